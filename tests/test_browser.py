"""The offline self-check in a real headless browser (Debian's Chromium driven by Playwright):
right, wrong and unreadable answers get the right feedback, and the page's JavaScript normalizes
answers exactly as generator.answers does. Screenshots go to build/screenshots/ for a human look."""

from __future__ import annotations

import hashlib
import json

import pytest

from conftest import ARGS, CHROMIUM, REPO
from generator.answers import normalize
from generator.worksheet import build_worksheets
from helpers import plain_http_page

pytestmark = pytest.mark.browser

SHOTS = REPO / "build" / "screenshots"

SAMPLES = [
    ("(None, 26, 26, 32)", "shape"), ("26x26x32", "shape"), ("26 x 26 x 32", "shape"), ("[26, 26, 32]", "shape"),
    ("26,26,32", "shape"), ("(None,576)", "shape"), ("26×26×32", "shape"), ("(?, 7, 7, 64)", "shape"),
    ("twenty", "shape"), ("", "shape"), ("18,496", "int"), ("18 496", "int"), ("18_496", "int"), ("18496.0", "int"),
    ("+320", "int"), ("0320", "int"), ("3.5", "int"), ("１２", "int"), ("  'Same' ", "choice"), ("(valid)", "choice"),
    ("12345678901234567", "int"), ("18.000", "int"), ("1.000.000", "int"), ("18.00", "int"), ("1" * 31, "int"), ("1" * 30, "int"), ("(None, " + "9" * 40 + ", 3)", "shape"),
]


@pytest.fixture(scope="module")
def page(chromium, tmp_path_factory):
    cfg = tmp_path_factory.mktemp("cfg") / "ws.yaml"
    cfg.write_text(
        "title: Browser test\nworksheets:\n  - name: t\n    title: Self-check\n    difficulty: intro\n"
        "    problems:\n      - {type: summary_table, count: 1}\n      - {type: layer_shape, count: 1}\n"
        "      - {type: inverse, count: 1}\n",
        encoding="utf-8",
    )
    out = build_worksheets(cfg, 11, tmp_path_factory.mktemp("out") / "ws", verify=False)
    key = json.loads((out / "t-key.json").read_text())
    browser = chromium.launch(executable_path=CHROMIUM, args=ARGS)
    pg = browser.new_page(viewport={"width": 1000, "height": 1400})
    pg.goto((out / "t-worksheet.html").as_uri())
    yield pg, key, out
    browser.close()


def _box(pg, qid):
    return pg.locator(f'input[data-q="{qid}"]')


def _feedback(pg, qid):
    return pg.locator(f'input[data-q="{qid}"] + .fb')


def test_right_wrong_and_unreadable_answers(page):
    pg, key, _ = page
    table = key["problems"][0]
    pid = table["id"]
    shape, params, total = table["blanks"][0], table["blanks"][1], table["blanks"][-3]
    dims = shape["answer"].split("x")
    _box(pg, f"{pid}.{shape['id']}").fill(f"(None, {', '.join(dims)})")  # right, Keras notation
    _box(pg, f"{pid}.{params['id']}").fill(f"{int(params['answer']) + 1:,}")  # wrong by one
    _box(pg, f"{pid}.{total['id']}").fill("lots")  # unreadable
    pg.click(f'button.check[data-problem="{pid}"]')
    pg.wait_for_function(f"document.querySelector('.score[data-problem=\"{pid}\"]').textContent !== ''")
    assert _feedback(pg, f"{pid}.{shape['id']}").inner_text() == "\u2713 right"
    assert "right" in _box(pg, f"{pid}.{shape['id']}").get_attribute("class")
    assert _feedback(pg, f"{pid}.{params['id']}").inner_text() == "\u2717 not yet"
    assert _feedback(pg, f"{pid}.{total['id']}").inner_text().startswith("? write a whole number")
    blanks = len(table["blanks"])
    assert pg.locator(f'.score[data-problem="{pid}"]').inner_text() == f"1 of {blanks} right"

    single = key["problems"][1]
    qid = f"{single['id']}.{single['blanks'][0]['id']}"
    _box(pg, qid).fill(single["blanks"][0]["answer"].replace("x", " x "))
    pg.click(f'button.check[data-problem="{single["id"]}"]')
    pg.wait_for_function(f"document.querySelector('input[data-q=\"{qid}\"] + .fb').textContent !== ''")
    assert _feedback(pg, qid).inner_text() == "\u2713 right"

    inverse = key["problems"][2]
    b = inverse["blanks"][0]
    qid = f"{inverse['id']}.{b['id']}"
    for accepted in b["accepted"]:  # every valid answer of an inverse question is accepted
        _box(pg, qid).fill(accepted)
        _box(pg, qid).press("Enter")
        pg.wait_for_function(f"document.querySelector('input[data-q=\"{qid}\"] + .fb').textContent !== ''")
        assert _feedback(pg, qid).inner_text() == "\u2713 right"
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / "worksheet-selfcheck.png"), full_page=True)


def test_javascript_normalize_mirrors_python(page):
    pg, _, _ = page
    for text, kind in SAMPLES:
        js = pg.evaluate("([t, k]) => window.cnnNormalize(t, k)", [text, kind])
        assert js == normalize(text, kind), (text, kind)


def test_javascript_sha256_matches_hashlib(page):
    pg, _, out = page
    if not pg.url.endswith("/t-worksheet.html"):
        pg.goto((out / "t-worksheet.html").as_uri())
    # Padding edge cases: 55 bytes fill one block, 56 need a second; 64 fill a block exactly.
    texts = ["", "abc", "a" * 55, "b" * 56, "c" * 63, "d" * 64, "e" * 65, "0123456789" * 100,
             "Zo\u00eb \u674e\u96f7 \u2713 \U0001f600"]
    for text in texts:
        js = pg.evaluate("t => window.cnnSha256(t)", text)
        assert js == hashlib.sha256(text.encode()).hexdigest(), text


def test_check_works_without_crypto_subtle(chromium, page):
    """Served over plain http from a non-localhost name, the page has no crypto.subtle."""
    _, key, out = page
    table = key["problems"][0]
    pid = table["id"]
    shape, params = table["blanks"][0], table["blanks"][1]
    with plain_http_page(chromium, out, "t-worksheet.html") as pg:
        _box(pg, f"{pid}.{shape['id']}").fill(shape["answer"])  # right
        _box(pg, f"{pid}.{params['id']}").fill(str(int(params["answer"]) + 1))  # wrong by one
        pg.click(f'button.check[data-problem="{pid}"]')
        pg.wait_for_function(
            f"document.querySelector('.score[data-problem=\"{pid}\"]').textContent !== ''", timeout=5000
        )
        assert _feedback(pg, f"{pid}.{shape['id']}").inner_text() == "\u2713 right"
        assert _feedback(pg, f"{pid}.{params['id']}").inner_text() == "\u2717 not yet"


def test_print_layout_screenshot(page):
    pg, _, out = page
    pg.emulate_media(media="print")
    assert pg.locator("button.check").first.is_hidden()
    pdf = pg.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    pg.emulate_media(media="screen")
    pg.goto((out / "t-teacher.html").as_uri())
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / "teacher-copy.png"), full_page=True)


def test_key_formulas_are_typeset_as_mathml(chromium, tmp_path):
    """The key's formulas are MathML laid out by the browser itself (fractions stacked, matrices
    as tables with brackets), with no script on the page; a screenshot for a human look."""
    cfg = tmp_path / "ws.yaml"
    cfg.write_text(
        "title: Math\nworksheets:\n  - name: m\n    title: Math\n    difficulty: advanced\n    problems:\n"
        "      - {type: concept, count: 1, topic: conv_one}\n      - {type: inverse, count: 1, find: stride}\n"
        "      - {type: layer_shape, count: 1, layers: [Conv2DTranspose]}\n",
        encoding="utf-8",
    )
    out = build_worksheets(cfg, 5, tmp_path / "ws", verify=False)
    html = (out / "m-key.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<math" in html
    browser = chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        pg = browser.new_page(viewport={"width": 1000, "height": 1400})
        pg.goto((out / "m-key.html").as_uri())
        line = pg.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
        top, bottom = pg.evaluate("""(() => { const f = document.querySelector('mfrac');
            return [f.children[0].getBoundingClientRect().bottom, f.children[1].getBoundingClientRect().top]; })()""")
        assert top <= bottom  # numerator over denominator: laid out as math, not as a run of text
        matrix = pg.evaluate("document.querySelector('mtable').getBoundingClientRect().height")
        assert matrix > 3 * line * 0.8  # a 5x5 to 7x7 image: rows stacked
        assert pg.evaluate("document.querySelectorAll('math').length") == html.count("<math ")
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / "key-formulas.png"), full_page=True)
    finally:
        browser.close()
