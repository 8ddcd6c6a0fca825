"""Exams: one balanced, unique, stable variant per student; escaping; keys; bad rosters."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from generator.configs import load_exam_config
from generator.errors import UserError
from generator.exam import build_exam, build_master, variant_code
from generator.roster import Student, read_roster

NASTY = 'Zoë <script>alert("x")</script> & Co'


def roster(tmp_path: Path, rows: list[tuple[str, str]], name: str = "roster.csv") -> Path:
    path = tmp_path / name
    lines = ["id,name"] + [f'{i},"{n.replace(chr(34), chr(34) * 2)}"' for i, n in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exam(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("exam")
    path = roster(tmp, [("s1", "Ada Lovelace"), ("s2", NASTY), ("s/3", "李雷"), ("s4", "Łukasz Żółć")])
    return build_exam(path, 42, tmp / "out", verify=False)


def test_files(exam):
    key = json.loads((exam / "key.json").read_text())
    assert [s["id"] for s in key["students"]] == ["s1", "s2", "s/3", "s4"]
    for s in key["students"]:
        for name in ("exam.md", "exam.html", "key.md", "key.html", "key.json"):
            assert (exam / s["folder"] / name).is_file()
    for name in ("all-exams.html", "all-keys.html", "index.html"):
        assert (exam / name).is_file()
    assert {p.name for p in (exam / "lms").iterdir()} >= {"moodle.xml"}
    ET.parse(exam / "lms" / "moodle.xml")
    with zipfile.ZipFile(next((exam / "lms").glob("*.zip"))) as z:
        assert "imsmanifest.xml" in z.namelist()


def test_exams_hold_no_answers_and_show_the_variant_code(exam):
    key = json.loads((exam / "key.json").read_text())
    for s in key["students"]:
        page = (exam / s["folder"] / "exam.html").read_text()
        assert s["variant"] in page
        assert "data-h=" not in page and "<script>" not in page.split("</style>")[1]
        assert "Worked solution" not in page
        assert re.findall(r'<span class="answer-line"[^>]*>(.*?)</span>', page) == [""] * sum(
            len(p["blanks"]) for p in s["problems"])
        for p in s["problems"]:
            for b in p["blanks"]:
                assert b["steps"][-1]["text"] not in page


def test_names_are_escaped_everywhere(exam):
    for page in [*exam.glob("*.html"), *exam.glob("students/*/*.html")]:
        text = page.read_text()
        assert "<script>alert" not in text, page
    s2 = next(p for p in exam.glob("students/s2/exam.html"))
    assert "&lt;script&gt;alert" in s2.read_text()
    assert "李雷" in (exam / "students" / "s_3" / "exam.html").read_text()


def test_per_student_key_matches_master(exam):
    master = json.loads((exam / "key.json").read_text())
    for s in master["students"]:
        own = json.loads((exam / s["folder"] / "key.json").read_text())
        assert own["student"]["problems"] == s["problems"]
        assert own["student"]["variant"] == s["variant"]


def test_variants_unique_balanced_and_stable_when_the_roster_grows():
    config = load_exam_config("configs/exam.yaml")
    small = [Student(f"s{i:03d}", "") for i in range(40)]
    grown = small[:20] + [Student("new1", ""), Student("new2", "")] + small[20:]
    a = build_master(config, 9, small)
    b = build_master(config, 9, grown)
    by_id = {p.id: p for p in b.papers}
    for p in a.papers:
        assert by_id[p.id].problems == p.problems
        assert by_id[p.id].variant == p.variant
    answers = [json.dumps([q.answers for q in p.problems]) for p in a.papers]
    assert len(set(answers)) == len(answers)
    codes = [p.variant for p in b.papers]
    assert len(set(codes)) == len(codes)
    for slot in range(len(a.papers[0].problems)):  # same question, other numbers
        kinds = {(p.problems[slot].type, p.problems[slot].title, len(p.problems[slot].blanks)) for p in a.papers}
        assert len(kinds) == 1, kinds


def test_same_seed_same_bytes(tmp_path):
    path = roster(tmp_path, [("a", "A"), ("b", "B")])
    one = build_exam(path, 5, tmp_path / "one", verify=False)
    two = build_exam(path, 5, tmp_path / "two", verify=False)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel


def test_variant_code_format():
    code = variant_code(1, "s001")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{3}-[2-9A-HJ-NP-Z]{3}", code)


@pytest.mark.parametrize("content, message", [
    ("name\nAda\n", r"the header has no 'id' column"),
    ("", r"empty"),
    ("id,name\n", r"no students"),
    ("id,name\ns1,A\ns1,B\n", r"row 3: id 's1' already used in row 2"),
    ("id,name\n,A\n", r"row 2: empty id"),
    ("id,name\ns1,A,extra\n", r"line 2: 3 cells, but the header has 2"),
])
def test_bad_rosters(tmp_path, content, message):
    path = tmp_path / "r.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        read_roster(path)


def test_garbage_roster_writes_nothing(tmp_path, run_cli):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    code, out, err = run_cli("exam", "--roster", str(path), "--seed", "1", "--out", str(tmp_path / "out"), "--no-verify")
    assert code == 2 and "not UTF-8" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_roster_with_bom_and_extra_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeffemail,ID,Name\nx@y,s9,Ana\n".encode())
    assert read_roster(path) == [Student("s9", "Ana", email="x@y")]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_worker_processes_write_the_same_files(exam, tmp_path):
    """``--jobs``: documents rendered by two spawned worker processes are byte-identical to the
    ones rendered in this process (the module fixture's build)."""
    path = roster(tmp_path, [("s1", "Ada Lovelace"), ("s2", NASTY), ("s/3", "李雷"), ("s4", "Łukasz Żółć")])
    parallel = build_exam(path, 42, tmp_path / "out", verify=False, workers=2)
    assert _files(parallel) == _files(exam)


def test_an_error_in_a_worker_is_one_line(tmp_path, run_cli):
    """A template that fails while a worker renders it stops the build with the renderer's own
    one-line error, and no output folder is left."""
    from helpers import one_line_error

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "key.md.j2").write_text("{{ doc.no_such_field }}\n", encoding="utf-8")
    path = roster(tmp_path, [("s1", "Ada"), ("s2", "Bo")])
    code, _, err = run_cli("exam", "--roster", str(path), "--seed", "1", "--no-verify", "--jobs", "2",
                           "--templates", str(templates), "--out", str(tmp_path / "out"))
    assert "no_such_field" in one_line_error(code, err)
    assert not (tmp_path / "out").exists()
