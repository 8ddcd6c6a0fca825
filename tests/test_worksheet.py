"""Worksheet builds: files, key.json contract, determinism, escaping, config errors, atomicity."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.answers import answer_hash, normalize
from generator.errors import UserError
from generator.problems import ProblemType
from generator.worksheet import build_worksheets

CONFIG = """
title: "Test <set> & co"
worksheets:
  - name: a
    title: "Sheet <script>alert(1)</script> & *stars*"
    difficulty: intro
    problems:
      - {type: summary_table, count: 1}
      - {type: layer_shape, count: 2}
      - {type: layer_params, count: 1}
      - {type: inverse, count: 2}
      - {type: concept, count: 2}
  - name: b
    title: Advanced
    difficulty: advanced
    problems:
      - {type: summary_table, count: 1}
      - {type: inverse, count: 3}
      - {type: concept, count: 3}
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "ws.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(config, tmp_path_factory) -> Path:
    return build_worksheets(config, 7, tmp_path_factory.mktemp("out") / "ws", verify=False)


def files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_document_is_written(built):
    names = set(files(built))
    for sheet in ("a", "b"):
        for suffix in ("worksheet.md", "worksheet.html", "key.md", "key.html", "teacher.html", "key.json"):
            assert f"{sheet}-{suffix}" in names
    assert {"index.html", "key.json"} <= names
    index = (built / "index.html").read_text()
    figures = {name for name in names if name.startswith("figures/")}
    for name in names - {"index.html", ".cnn-worksheets.json"} - figures:
        assert f'href="{name}"' in index, name
    # Every figure is linked from the Markdown beside it, and every link has its file.
    markdown = "".join((built / name).read_text() for name in names if name.endswith(".md"))
    linked = set(re.findall(r"\]\((figures/[\w.-]+\.svg) ", markdown))
    assert figures and linked == figures


def test_key_json_contract(built):
    key = json.loads((built / "key.json").read_text())
    ids = [p["id"] for p in key["problems"]]
    assert len(ids) == len(set(ids)) == 8 + 7
    assert {p["type"] for p in key["problems"]} == {t.value for t in ProblemType}
    for p in key["problems"]:
        assert set(p) >= {"id", "type", "spec", "expected", "answers"}
        assert p["expected"]["total_params"] == sum(layer["params"] for layer in p["expected"]["layers"])
        for b in p["blanks"]:
            assert p["answers"][b["id"]] == b["answer"] in b["accepted"]
            assert all(d["answer"] not in b["accepted"] for d in b["distractors"])


def test_same_seed_is_byte_identical_and_seeds_differ(config, built, tmp_path):
    again = build_worksheets(config, 7, tmp_path / "again", verify=False)
    assert files(again) == files(built)
    other = build_worksheets(config, 8, tmp_path / "other", verify=False)
    assert files(other)["a-key.json"] != files(built)["a-key.json"]


def _without_instructions(html: str) -> str:
    """The page from its first problem on (the instructions before it show fixed examples)."""
    return html[html.index("<h2"):]


def test_no_answers_in_the_student_page_only_salted_digests(built):
    html = (built / "a-worksheet.html").read_text()
    key = json.loads((built / "a-key.json").read_text())
    salt = re.search(r'data-salt="([0-9a-f]+)"', html).group(1)
    for p in key["problems"]:
        for b in p["blanks"]:
            qid = f"{p['id']}.{b['id']}"
            box = re.search(rf'<input[^>]*data-q="{re.escape(qid)}"[^>]*>', html).group(0)
            digests = re.search(r'data-h="([0-9a-f,]+)"', box).group(1).split(",")
            assert digests == [answer_hash(salt, qid, a) for a in b["accepted"]]
            if b["kind"] == "shape":  # a shape answer never appears in Keras' notation, except
                # in the instructions, whose fixed example may happen to be an answer
                assert f"(None, {', '.join(b['answer'].split('x'))})" not in _without_instructions(html)
    assert "Worked solution" not in html


def test_user_text_is_escaped(built):
    for name in ("a-worksheet.html", "a-key.html", "a-teacher.html", "index.html"):
        html = (built / name).read_text()
        assert "<script>alert(1)" not in html, name
        assert "&lt;script&gt;alert(1)" in html or "&lt;set&gt;" in html, name


def test_markdown_tables_are_well_formed(built):
    for name in ("a-worksheet.md", "a-key.md", "b-key.md"):
        lines = (built / name).read_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("|---"):
                header = lines[i - 1]
                width = header.count("|") - header.count(r"\|")
                j = i + 1
                while j < len(lines) and lines[j].startswith("|"):
                    assert lines[j].count("|") - lines[j].count(r"\|") == width, (name, lines[j])
                    j += 1


def test_teacher_copy_breaks_the_page_before_the_key(built):
    html = (built / "a-teacher.html").read_text()
    assert html.index("<h1") < html.index('class="key-start"') < html.index("Answer key")
    assert "break-before: page" in html and "@page" in html


def test_pages_are_self_contained(built):
    for name in ("a-worksheet.html", "a-key.html", "index.html"):
        html = (built / name).read_text()
        assert not re.search(r'(src|href)="(https?:)?//', html), name
        assert "<link" not in html and "@import" not in html


def test_typed_answers_match_the_digests_through_normalize(built):
    """What the page's script hashes (the typed answer, normalized) is one of the box's digests."""
    html = (built / "a-worksheet.html").read_text()
    key = json.loads((built / "a-key.json").read_text())
    salt = re.search(r'data-salt="([0-9a-f]+)"', html).group(1)
    problem, shape = next((p, b) for p in key["problems"] for b in p["blanks"] if b["kind"] == "shape")
    qid = f"{problem['id']}.{shape['id']}"
    box = re.search(rf'<input[^>]*data-q="{re.escape(qid)}"[^>]*>', html).group(0)
    digests = re.search(r'data-h="([0-9a-f,]+)"', box).group(1).split(",")
    dims = shape["answer"].split("x")
    for typed in (f"(None, {', '.join(dims)})", " x ".join(dims), ",".join(dims)):
        assert normalize(typed, "shape") == shape["answer"]
        assert answer_hash(salt, qid, normalize(typed, "shape")) in digests, typed


@pytest.mark.parametrize("text, message", [
    ("worksheets: []", r"worksheets: expected a non-empty list"),
    ("worksheets: [{name: a, problems: [{type: essay}]}]", r"worksheets\[0\]\.problems\[0\]\.type: expected one of summary_table"),
    ("worksheets: [{name: a, difficulty: hard, problems: [{type: concept}]}]", r"worksheets\[0\]\.difficulty: expected one of intro, standard, advanced"),
    ("worksheets: [{name: 'a/b', problems: [{type: concept}]}]", r"worksheets\[0\]\.name"),
    ("worksheets: [{name: a, problems: [{type: concept, count: 0}]}]", r"count: expected a whole number"),
    ("worksheets: [{name: a, problems: [{type: concept}]}, {name: a, problems: [{type: concept}]}]", r"names must be unique"),
    ("title: [", r"invalid YAML"),
])
def test_bad_configs_fail_cleanly_and_write_nothing(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        build_worksheets(path, 1, tmp_path / "out", verify=False)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.yaml"]


def test_a_failed_build_leaves_the_previous_output_untouched(config, tmp_path):
    out = build_worksheets(config, 3, tmp_path / "ws", verify=False)
    before = files(out)
    broken = tmp_path / "tpl"
    broken.mkdir()
    (broken / "key.md.j2").write_text("{{ no_such_variable }}")
    with pytest.raises(UserError, match=r"template key.md.j2: 'no_such_variable' is undefined"):
        build_worksheets(config, 4, out, templates=broken, verify=False)
    assert files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tpl", "ws"]  # no temporary folder left


def test_templates_override(config, tmp_path):
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "key.md.j2").write_text("# Custom key for {{ doc.title | md }}\n{% for p in problems %}{{ p.id }}\n{% endfor %}")
    out = build_worksheets(config, 3, tmp_path / "ws", templates=custom, verify=False)
    assert (out / "a-key.md").read_text().startswith("# Custom key for Sheet &lt;script&gt;")


@pytest.mark.keras
def test_cli_build_verifies_against_keras(run_cli, config, tmp_path):
    code, _, err = run_cli("worksheet", "--config", str(config), "--seed", "5", "--out", str(tmp_path / "v"))
    assert code == 0, err
    key = json.loads((tmp_path / "v" / "key.json").read_text())
    assert key["verified_with"].startswith("3.")
