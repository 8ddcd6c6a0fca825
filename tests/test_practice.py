"""The practice page: what the bank holds (unpacked here and compared with the problems drawn
again in Python), byte-identical builds, the size of the default bank, the CLI's options and
errors, and the page itself in headless Chromium, from file:// and over plain http (no
crypto.subtle): pick a topic, answer wrong then right, the solution only after a first attempt,
New problem, and the tally kept across a reload."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conftest import ARGS, CHROMIUM, REPO
from generator.answers import answer_hash
from generator.cli import practice as practice_cli
from generator.figures import blank_numbers, problem_figures
from generator.key import Blank, Problem
from generator.practice import (
    COLUMNS,
    DEFAULT_PER_TYPE,
    LEVELS,
    MAX_PER_TYPE,
    STORAGE_PREFIX,
    build_practice,
    salt_of,
    topic_problems,
    topics,
)
from generator.worksheet import build_worksheets
from helpers import plain_http_page

SEED = 11
PER_TYPE = 3
SIZE_LIMIT = 5_000_000


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A small practice page (3 problems per topic)."""
    out = tmp_path_factory.mktemp("practice") / "practice"
    build_practice(out, SEED, PER_TYPE)
    return out


def _page(folder: Path) -> str:
    return (folder / "index.html").read_text(encoding="utf-8")


def _problems_of(topic_id: str, per_type: int) -> list[Problem]:
    number = [t.id for t in topics()].index(topic_id)
    return topic_problems(topics()[number], number, SEED, per_type)


def _unpack(page: str, number: int) -> tuple[list[str], list[dict[str, Any]]]:
    """The figures and the problem records of topic ``number`` as the page's script reads them."""
    found = re.search(rf'<script type="application/octet-stream" id="bank-{number}">([A-Za-z0-9+/=]+)</script>', page)
    assert found, f"bank-{number} missing"
    bank = json.loads(zlib.decompress(base64.b64decode(found.group(1))))
    assert sorted(bank) == sorted(("svg", *COLUMNS))
    return bank["svg"], [dict(zip(COLUMNS, values, strict=True)) for values in zip(*(bank[c] for c in COLUMNS), strict=True)]


def _problems(topic_id: str) -> list[Problem]:
    """The problems of a topic of the test page, drawn again."""
    return _problems_of(topic_id, PER_TYPE)


# ---------------------------------------------------------------- the bank


def test_every_topic_is_on_the_page_with_the_problems_drawn_for_it(built):
    page = _page(built)
    salt = salt_of(SEED)
    assert f'data-salt="{salt}"' in page and f'data-storage="{STORAGE_PREFIX}:{SEED}"' in page
    all_topics = topics()
    # the summary table, 13 image layers + the 1-D and the 3-D group (shapes), 6 + Conv1D and Conv3D
    # (parameters), 6 quantities to find, 21 concepts
    assert len({t.id for t in all_topics}) == len(all_topics) == 1 + 13 + 2 + 6 + 2 + 6 + 21
    with_figures = 0
    for number, topic in enumerate(all_topics):
        assert f'<option value="{topic.id}" ' in page, topic.id
        figures, records = _unpack(page, number)
        problems = topic_problems(topic, number, SEED, PER_TYPE)
        assert len(records) == len(problems) == PER_TYPE, topic.id
        assert len(set(figures)) == len(figures)  # each stored once
        for record, problem in zip(records, problems, strict=True):
            assert record["level"] == problem.difficulty
            drawn = replace(problem, id="p")  # as the page draws it: one problem on the page at a time
            sheet = {f.name: f.svg for f in problem_figures(drawn, reveal=False)}
            assert {name: figures[i] for name, i in record["figures"].items()} == sheet, topic.id
            assert all(f'<div class="figure" data-figure="{name}"></div>' in record["question"] for name in sheet)
            key = [f.svg for f in problem_figures(drawn, reveal=True)]
            assert [figures[i] for i in record["key_figures"]] == key, topic.id
            numbers = blank_numbers(problem)
            assert f"<h2>{html.escape(problem.title, quote=False)}</h2>" in record["question"]
            for b in problem.blanks:
                qid = f"p.{b.id}"
                digests = ",".join(answer_hash(salt, qid, a) for a in b.accepted)
                assert f'data-q="{qid}" data-kind="{b.kind}" data-h="{digests}"' in record["question"], (topic.id, qid)
                box = f'<span class="blank"><input type="text" autocomplete="off" spellcheck="false" data-q="{qid}"'
                number = f'<span class="bn">[{numbers[b.id]}]</span> ' if b.id in numbers else ""
                assert number + box in record["question"], (topic.id, qid)
                assert html.escape(b.shown, quote=False) in record["solution"], (topic.id, b.shown)
            assert record["solution"].startswith("<p><strong>Worked solution</strong></p>")
            assert record["question"].count("<input ") == len(problem.blanks)
            with_figures += bool(record["figures"])
    assert with_figures > 35 * PER_TYPE  # every topic but the two computed by hand on a grid


def test_levels_are_taken_in_turn():
    problems = _problems("summary_table")
    assert [p.difficulty for p in problems] == [level.value for level in LEVELS]
    levels = Counter(p.difficulty for p in topic_problems(topics()[1], 1, SEED, 30))
    assert set(levels) == {level.value for level in LEVELS} and max(levels.values()) - min(levels.values()) <= 3


def test_no_topic_repeats_a_question():
    for topic in ("summary_table", "layer_shape:Flatten"):  # Flatten has only 14 different questions
        problems = _problems_of(topic, 40)
        questions = [(p.prompt, p.code, tuple(b.answer for b in p.blanks)) for p in problems]
        assert len(set(questions)) == len(questions)
    assert 1 < len(_problems_of("layer_shape:Flatten", 40)) < 40


def test_same_seed_gives_a_byte_identical_page(tmp_path, run_cli):
    for name in ("a", "b"):
        code, _, err = run_cli("practice", "--out", str(tmp_path / name), "--per-type", "2", "--seed", "7")
        assert code == 0, err
        assert "practice page written to" in err
    assert (tmp_path / "a" / "index.html").read_bytes() == (tmp_path / "b" / "index.html").read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [".cnn-worksheets.json", "index.html"]
    code, _, _ = run_cli("practice", "--out", str(tmp_path / "c"), "--per-type", "2", "--seed", "8")
    assert code == 0 and (tmp_path / "c" / "index.html").read_bytes() != (tmp_path / "a" / "index.html").read_bytes()


def test_the_default_bank_stays_under_five_megabytes(tmp_path):
    start = time.perf_counter()
    result = build_practice(tmp_path / "p", 2026, DEFAULT_PER_TYPE)
    seconds = time.perf_counter() - start
    size = (tmp_path / "p" / "index.html").stat().st_size
    print(f"practice page, {DEFAULT_PER_TYPE} per topic: {size:,} bytes, {sum(result.counts.values()):,} problems, {seconds:.1f} s")
    assert result.size == size < SIZE_LIMIT
    full = [t for t, n in result.counts.items() if n == DEFAULT_PER_TYPE]
    assert len(full) >= 28 and {"summary_table", "concept:conv_map", "inverse:stride"} <= set(full)
    assert min(result.counts.values()) >= 14  # Flatten's 14 questions: the fewest a topic has
    assert seconds < 120


# ---------------------------------------------------------------- the command line


def test_cli_defaults_are_the_librarys():
    assert (practice_cli.DEFAULT_PER_TYPE, practice_cli.MAX_PER_TYPE) == (DEFAULT_PER_TYPE, MAX_PER_TYPE)


@pytest.mark.parametrize("value, message", [
    ("0", "expected a whole number from 1 to 1,000, got 0"),
    ("1001", "expected a whole number from 1 to 1,000, got 1001"),
    ("-3", "expected a whole number from 1 to 1,000, got -3"),
    ("lots", "expected a whole number, got 'lots'"),
    ("", "expected a whole number, got ''"),
])
def test_bad_per_type_is_one_line_and_exit_2(tmp_path, run_cli, value, message):
    code, out, err = run_cli("practice", "--out", str(tmp_path / "p"), "--per-type", value)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err and "--per-type" in err
    assert not (tmp_path / "p").exists()


def test_out_goes_through_the_output_folder_safety(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("practice", "--out", ".", "--per-type", "1")
    assert code == 2 and err.count("\n") == 1 and "refusing to write into the current folder" in err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("three years of work", encoding="utf-8")
    code, _, err = run_cli("practice", "--out", str(mine), "--per-type", "1")
    assert code == 2 and err.count("\n") == 1 and "thesis.txt (not written by cnn-worksheets)" in err
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.txt"]
    code, _, err = run_cli("practice", "--out", str(tmp_path / "p"), "--per-type", "1")
    assert code == 0, err
    code, _, err = run_cli("practice", "--out", str(tmp_path / "p"), "--per-type", "1", "--seed", "3")  # its own: replaced
    assert code == 0, err


def test_practice_builds_without_tensorflow(tmp_path):
    code = (
        "import sys, generator.cli, generator.practice;"
        f"generator.practice.build_practice({str(tmp_path / 'p')!r}, 1, 1);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'matplotlib')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert proc.stdout.strip() == "[]"
    assert (tmp_path / "p" / "index.html").is_file()


def test_the_worksheets_index_links_to_the_practice_page(tmp_path):
    cfg = tmp_path / "ws.yaml"
    cfg.write_text("title: T\nworksheets:\n  - name: t\n    title: T\n    difficulty: intro\n"
                   "    problems:\n      - {type: layer_shape, count: 1}\n", encoding="utf-8")
    out = build_worksheets(cfg, 1, tmp_path / "build" / "worksheets", verify=False)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="../practice/index.html">practice page</a>' in index
    practice = build_practice(tmp_path / "build" / "practice", 1, 1).page
    assert (out / "../practice/index.html").resolve() == practice.resolve()


# ---------------------------------------------------------------- in the browser

TOPIC = "layer_params:BatchNormalization"  # three boxes: Param #, trainable, non-trainable


def _wrong(b: Blank) -> str:
    """A readable answer that is not accepted."""
    if b.kind == "choice":
        return "neither"
    bump = 1
    while True:
        if b.kind == "int":
            text = str(int(b.answer) + bump)
        else:
            dims = b.answer.split("x")
            text = "x".join([str(int(dims[0]) + bump), *dims[1:]])
        if text not in b.accepted:
            return text
        bump += 1


def _shown(pg) -> Problem:
    """The problem the page shows, drawn again in Python."""
    topic = pg.get_attribute("#problem", "data-topic")
    return _problems(topic)[int(pg.get_attribute("#problem", "data-variant"))]


def _fill(pg, problem: Problem, answer) -> None:
    for b in problem.blanks:
        pg.fill(f'#problem input[data-q="p.{b.id}"]', answer(b))


def _check(pg) -> str:
    pg.evaluate("document.getElementById('score').textContent = ''")
    pg.click("#check")
    pg.wait_for_function("document.getElementById('score').textContent !== ''", timeout=5000)
    return pg.inner_text("#score")


def _feedback(pg, problem: Problem) -> list[str]:
    return [pg.inner_text(f'#problem input[data-q="p.{b.id}"] + .fb') for b in problem.blanks]


def _wait_for_problem(pg) -> None:
    pg.wait_for_selector("#problem .blank input", timeout=10000)


def _exercise(pg, shots: str | None = None) -> None:
    """The student's round: topic, wrong, right, solution, new problem, reload."""
    _wait_for_problem(pg)
    pg.select_option("#topic", TOPIC)
    pg.wait_for_function(f"document.getElementById('problem').getAttribute('data-topic') === '{TOPIC}'")
    problem = _shown(pg)
    assert pg.is_hidden("#show") and pg.is_hidden("#solution")
    student = problem_figures(problem, reveal=False)
    assert pg.locator("#problem figure.figure svg[role=img]").count() == len(student) > 0
    assert pg.locator("#problem div.figure").count() == 0  # every slot filled
    titles = pg.eval_on_selector_all("#problem figure.figure svg title", "ts => ts.map(t => t.textContent)")
    assert titles == [f.title for f in student]
    assert pg.evaluate("""(() => { const f = document.querySelector('#problem figure.figure');
        return f.compareDocumentPosition(document.querySelector('#problem .blank')) & Node.DOCUMENT_POSITION_FOLLOWING; })()""")
    assert _check(pg) == "Type an answer first."  # nothing typed: no attempt
    assert pg.is_hidden("#show")
    assert "0 right of 0 attempted" in pg.inner_text("#tally-topic")

    _fill(pg, problem, _wrong)
    assert _check(pg) == f"0 of {len(problem.blanks)} right"
    assert _feedback(pg, problem) == ["\u2717 not yet"] * len(problem.blanks)
    assert pg.is_visible("#show") and pg.is_hidden("#solution")
    assert "0 right of 1 attempted" in pg.inner_text("#tally-topic")

    _fill(pg, problem, lambda b: b.answer)
    assert _check(pg) == f"All {len(problem.blanks)} right"
    assert _feedback(pg, problem) == ["\u2713 right"] * len(problem.blanks)
    assert "1 right of 1 attempted" in pg.inner_text("#tally-topic")

    pg.click("#show")
    solution = pg.inner_text("#solution")
    assert pg.is_visible("#solution") and pg.is_hidden("#show")
    key = [f.title for f in problem_figures(problem, reveal=True)]
    assert pg.eval_on_selector_all("#solution figure.figure svg title", "ts => ts.map(t => t.textContent)") == key
    ids = pg.eval_on_selector_all("[id]", "es => es.map(e => e.id)")
    assert len(ids) == len(set(ids))  # the student's and the key's figures side by side: no id twice
    assert solution.startswith("Worked solution")
    for b in problem.blanks:
        assert f"{b.label}: {b.shown}" in solution
        for step in b.steps:
            assert (step.label if step.formula_latex else step.text) in solution
    if shots:
        pg.screenshot(path=shots, full_page=True)

    before = pg.get_attribute("#problem", "data-variant")
    pg.click("#new")
    pg.wait_for_function(f"document.getElementById('problem').getAttribute('data-variant') !== '{before}'")
    assert _shown(pg) != problem and pg.is_hidden("#show") and pg.is_hidden("#solution")
    assert pg.inner_text("#score") == ""

    pg.reload()
    _wait_for_problem(pg)
    assert pg.input_value("#topic") == TOPIC
    assert "1 right of 1 attempted" in pg.inner_text("#tally-topic")
    assert "1 right of 1 attempted" in pg.inner_text("#tally-all")
    row = pg.locator(f'.tally tr[data-topic="{TOPIC}"]')
    assert row.locator(".attempted").text_content() == "1" and row.locator(".right").text_content() == "1"
    assert pg.inner_text("#storage-note") == ""
    stored = json.loads(pg.evaluate(f"localStorage.getItem('{STORAGE_PREFIX}:{SEED}')"))
    assert stored["tally"] == {TOPIC: [1, 1]}


@pytest.mark.browser
def test_practice_from_file(browser, built):
    pg = browser.new_page(viewport={"width": 1000, "height": 1300})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto((built / "index.html").as_uri())
    _shots().mkdir(parents=True, exist_ok=True)
    _exercise(pg, str(_shots() / "practice-desktop.png"))
    pg.once("dialog", lambda d: d.accept())
    pg.click("#reset")
    assert "0 right of 0 attempted" in pg.inner_text("#tally-all")
    pg.reload()
    _wait_for_problem(pg)
    assert "0 right of 0 attempted" in pg.inner_text("#tally-all")
    assert errors == []


@pytest.mark.browser
def test_practice_over_plain_http(chromium, built):
    """Served over plain http from a non-localhost name: no crypto.subtle, the SHA-256 fallback."""
    with plain_http_page(chromium, built, "index.html") as pg:
        _exercise(pg)


@pytest.mark.browser
def test_new_problem_never_repeats_the_last_and_keeps_to_the_level(browser, built):
    pg = browser.new_page()
    pg.goto((built / "index.html").as_uri())
    _wait_for_problem(pg)
    pg.select_option("#topic", "concept:conv_one")
    pg.wait_for_function("document.getElementById('problem').getAttribute('data-topic') === 'concept:conv_one'")
    seen = [pg.get_attribute("#problem", "data-variant")]
    for _ in range(20):
        pg.click("#new")
        pg.wait_for_function(f"document.getElementById('problem').getAttribute('data-variant') !== '{seen[-1]}'")
        seen.append(pg.get_attribute("#problem", "data-variant"))
    assert len(set(seen)) == PER_TYPE  # every one comes up, none twice in a row
    for level in ("advanced", "intro"):
        pg.select_option("#level", level)
        pg.wait_for_function(f"document.getElementById('meta').textContent.startsWith('{level} level')")
        assert _shown(pg).difficulty == level


@pytest.mark.browser
def test_without_local_storage_the_page_still_works(browser, built):
    pg = browser.new_page()
    pg.add_init_script("Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('denied', 'SecurityError'); }});")
    pg.goto((built / "index.html").as_uri())
    _wait_for_problem(pg)
    problem = _shown(pg)
    _fill(pg, problem, lambda b: b.answer)
    assert _check(pg).startswith("All ")
    assert "1 right of 1 attempted" in pg.inner_text("#tally-all")
    assert "does not let the page keep your tally" in pg.inner_text("#storage-note")


@pytest.mark.browser
def test_a_browser_without_decompression_streams_is_told(browser, built):
    pg = browser.new_page()
    pg.add_init_script("delete window.DecompressionStream;")
    pg.goto((built / "index.html").as_uri())
    pg.wait_for_function("document.getElementById('status').textContent !== ''")
    assert "needs DecompressionStream" in pg.inner_text("#status")


@pytest.mark.browser
def test_practice_on_a_phone_screenshot(browser, built):
    pg = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    pg.goto((built / "index.html").as_uri())
    _wait_for_problem(pg)
    pg.select_option("#topic", "inverse:stride")
    pg.wait_for_function("document.getElementById('problem').getAttribute('data-topic') === 'inverse:stride'")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    problem = _shown(pg)
    _fill(pg, problem, _wrong)
    _check(pg)
    pg.click("#show")
    _shots().mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(_shots() / "practice-mobile.png"), full_page=True)


def _shots() -> Path:
    return REPO / "build" / "screenshots"


@pytest.fixture(scope="module")
def browser(chromium):
    launched = chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield launched
    launched.close()
