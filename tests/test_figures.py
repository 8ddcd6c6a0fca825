"""The SVG figures: architecture strips and sliding-window figures.

Structure is checked against the problems' own answers (computed by the engine and checked
against Keras elsewhere): a key's strip labels every box with its blank's answer, a student's
never shows an asked answer but the blank's number, the window figure draws the padded input,
the kernel's taps and the output that the answers say, and every figure names itself for a
screen reader."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from generator.answers import display
from generator.figures import blank_numbers, hidden_arguments, problem_figures
from generator.figures.labels import layer_lines
from generator.figures.window import SECOND, scene
from generator.key import Problem, ProblemType
from generator.problems import generate
from generator.problems.slot import FINDS, PARAM_LAYERS, SHAPE_LAYERS, TOPICS, Slot
from generator.sampler import Difficulty

NS = {"s": "http://www.w3.org/2000/svg"}


def slots() -> Iterator[Slot]:
    yield Slot(ProblemType.SUMMARY_TABLE)
    yield from (Slot(ProblemType.LAYER_SHAPE, layers=(name,)) for name in SHAPE_LAYERS)
    yield from (Slot(ProblemType.LAYER_PARAMS, layers=(name,)) for name in PARAM_LAYERS)
    yield from (Slot(ProblemType.INVERSE, find=find) for find in FINDS)
    yield from (Slot(ProblemType.CONCEPT, topic=topic) for topic in TOPICS)


def problems() -> Iterator[Problem]:
    for level in Difficulty:
        for seed in range(3):
            for i, slot in enumerate(slots()):
                yield generate(slot, random.Random(seed * 100 + i), level, f"p{i}")


PROBLEMS = list(problems())


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def boxes(svg: str) -> list[list[str]]:
    """The label lines of each box of a strip, in order (input first)."""
    root = parse(svg)
    return [[t.text or "" for t in g.iter(f"{{{NS['s']}}}text")]
            for g in root.iter(f"{{{NS['s']}}}g") if g.get("class") == "label"]


def times(answer: str) -> str:
    return answer.replace("x", "×")


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: f"{p.difficulty}-{p.id}-{p.variant}")
def test_every_figure_is_accessible_valid_and_deterministic(problem):
    for reveal in (False, True):
        figures = problem_figures(problem, reveal)
        assert figures == problem_figures(problem, reveal)  # the same bytes
        for f in figures:
            root = parse(f.svg)
            assert root.get("role") == "img"
            title = root.find("s:title", NS)
            desc = root.find("s:desc", NS)
            assert title is not None and desc is not None and title.text and desc.text
            assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
            assert (title.text, desc.text) == (f.title, f.desc)
            assert f.document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ') and f.svg in f.document
            ids = [e.get("id") for e in root.iter() if e.get("id")]
            assert len(ids) == len(set(ids)) and all(i.startswith(f.name) for i in ids)
            # Every fill that names a pattern names one defined in this drawing.
            for ref in re.findall(r'url\(#([\w-]+)\)', f.svg):
                assert ref in ids


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: f"{p.difficulty}-{p.id}-{p.variant}")
def test_a_student_strip_never_shows_an_asked_answer_and_a_key_strip_shows_every_one(problem):
    numbers = blank_numbers(problem)
    student = {f.kind: f for f in problem_figures(problem, reveal=False)}
    key = {f.kind: f for f in problem_figures(problem, reveal=True)}
    if "strip" not in key:  # by hand: the grids are the figure; a graph: the strip draws chains only
        assert problem.variant.split(":")[0] in ("conv_one", "conv_map") or problem.model.is_graph
        return
    summary = problem.summary
    student_boxes, key_boxes = boxes(student["strip"].svg), boxes(key["strip"].svg)
    assert len(student_boxes) == len(key_boxes) == len(problem.model.layers) + 1
    assert key_boxes[0][0] == student_boxes[0][0] == "Input"
    for record, lines in zip(summary.records, key_boxes[1:], strict=True):
        assert lines[0] == record.layer.type_name
        assert display("x".join(map(str, record.output_shape)), "shape").startswith("(None")
        assert "×".join(map(str, record.output_shape)) in lines
        assert f"{record.params:,} params" in lines
    for b in problem.blanks:
        if b.layer is None or b.model is not None:
            continue
        lines = student_boxes[b.layer + 1]
        record = summary.records[b.layer]
        if b.field == "output_shape" and b.answer == "x".join(map(str, record.output_shape)):
            assert f"shape [{numbers[b.id]}]" in lines
            assert times(b.answer) not in lines and times(b.answer) in key_boxes[b.layer + 1]
        elif b.field == "params" and b.answer == str(record.params):
            assert f"params [{numbers[b.id]}]" in lines
            assert f"{int(b.answer):,} params" in key_boxes[b.layer + 1]
        else:  # about another layer than the one it names: labels no box
            assert not any(line.endswith(f"[{numbers[b.id]}]") for line in lines) or b.field == "output_height_width"
    # A student sees the shape of no layer output unless the question gives it (an inverse
    # problem's output), and no parameter count at all.
    hidden = hidden_arguments(problem)
    for record, lines in zip(summary.records, student_boxes[1:], strict=True):
        extra = lines[len(layer_lines(record.layer, hidden.get(record.index, ""))):]
        given = problem.type is ProblemType.INVERSE and record is summary.records[-1] and problem.variant != "filters"
        assert all(re.fullmatch(r"(shape|params|height = width) \[\d+\]", line) for line in extra) or (
            given and extra == ["×".join(map(str, record.output_shape))]), extra


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.type is ProblemType.INVERSE],
                         ids=lambda p: f"{p.difficulty}-{p.id}-{p.variant}")
def test_an_inverse_problems_unknown_is_drawn_only_in_the_key(problem):
    unknown = {"kernel": "?×?", "stride": "stride ?", "padding_mode": "padding ?", "zero_padding": "?",
               "dilation": "dilation ?", "filters": "? filters"}[problem.variant]
    student = {f.kind: f for f in problem_figures(problem, reveal=False)}
    key = {f.kind: f for f in problem_figures(problem, reveal=True)}
    student_lines = [line for lines in boxes(student["strip"].svg) for line in lines]
    assert any(unknown in line for line in student_lines)
    assert not any("?" in line for lines in boxes(key["strip"].svg) for line in lines)
    if problem.variant == "filters":
        assert "window" not in key
        return
    answer = int(problem.blanks[0].answer) if problem.blanks[0].kind == "int" else None
    window = {"student": student.get("window"), "key": key["window"]}
    if problem.variant == "stride":  # the second position shows the stride
        assert f'stroke="{SECOND}"' in window["key"].svg and f"stride {answer}" in window["key"].desc.replace("pixels", "")\
            or f"{answer} pixel" in window["key"].desc
        assert window["student"] is not None and f'stroke="{SECOND}"' not in window["student"].svg
        assert "stride is asked" in window["student"].desc
    if problem.variant in ("kernel", "dilation"):
        assert window["student"] is not None and "kernel is asked" in window["student"].desc
        assert "first position" not in window["student"].desc
    if problem.variant in ("padding_mode", "zero_padding"):
        assert window["student"] is not None and "padding is asked" in window["student"].desc
        assert "zeros" not in window["student"].desc


def _window_problems() -> list[Problem]:
    return [p for p in PROBLEMS if p.type is ProblemType.LAYER_SHAPE and scene(p.model) is not None]


@pytest.mark.parametrize("problem", _window_problems(), ids=lambda p: f"{p.difficulty}-{p.id}-{p.variant}")
def test_the_window_figure_draws_the_layers_geometry(problem):
    found = scene(problem.model)
    assert found is not None
    (answer,) = [b for b in problem.blanks if b.field == "output_shape"]
    oh, ow = (int(v) for v in answer.answer.split("x")[:2])
    assert found.output == (oh, ow)
    # The padded input is what the output formula needs: (n + pads - span) // s + 1 == o.
    ph, pw = found.padded
    assert (ph - found.span[0]) // found.strides[0] + 1 == oh
    assert (pw - found.span[1]) // found.strides[1] + 1 == ow
    key = {f.kind: f for f in problem_figures(problem, reveal=True)}["window"]
    student = {f.kind: f for f in problem_figures(problem, reveal=False)}["window"]
    assert f"output {oh}×{ow}" in [t.text for t in parse(key.svg).iter(f"{{{NS['s']}}}text")]
    assert f"output {oh} by {ow}" in key.desc
    assert "output is asked in blank 1" in student.desc
    assert not any(t.text and t.text.startswith("output ") and "×" in t.text for t in parse(student.svg).iter())
    if max(found.padded) <= 32:  # drawn cell by cell: one grid line per row and column, plus one
        paths = [e.get("d") or "" for e in parse(key.svg).iter(f"{{{NS['s']}}}path")]
        grid = paths[0]
        assert grid.count("h") == ph + 1 and grid.count("v") == pw + 1
        taps = paths[1]
        assert taps.count("z") == found.kernel[0] * found.kernel[1]


def test_a_dilated_kernel_shows_its_holes():
    p = next(p for p in PROBLEMS if p.variant == "effective_kernel" and max(scene(p.model).padded) <= 32)
    found = scene(p.model)
    key = {f.kind: f for f in problem_figures(p, reveal=True)}["window"]
    paths = [e for e in parse(key.svg).iter(f"{{{NS['s']}}}path")]
    holes = found.span[0] * found.span[1] - found.kernel[0] * found.kernel[1]
    assert paths[2].get("d").count("z") == holes and paths[2].get("stroke-dasharray")
    assert f"span {found.span[0]} by {found.span[1]}" in key.desc
    assert {f.kind for f in problem_figures(p, reveal=False)} == {"strip"}  # the span is the answer


def test_same_padding_puts_the_odd_row_at_the_bottom():
    from generator.engine import ModelSpec
    from generator.engine.args import Padding
    from generator.engine.layers import Conv2D

    found = scene(ModelSpec((6, 7, 1), (Conv2D(4, (3, 3), strides=(2, 2), padding=Padding.SAME),)))
    assert found is not None
    assert found.pads == (0, 1, 1, 1) and found.output == (3, 4)


def test_blank_numbers_are_the_problems_blanks_in_order():
    table = next(p for p in PROBLEMS if p.type is ProblemType.SUMMARY_TABLE)
    assert list(blank_numbers(table).items()) == [(b.id, i) for i, b in enumerate(table.blanks, start=1)]
    by_hand = next(p for p in PROBLEMS if p.variant.startswith("conv_map"))
    assert blank_numbers(by_hand) == {}


def test_user_text_never_reaches_a_figure_unescaped():
    from generator.engine import ModelSpec
    from generator.engine.layers import Dense, Flatten

    problem = next(p for p in PROBLEMS if p.type is ProblemType.SUMMARY_TABLE)
    from dataclasses import replace

    hostile = replace(problem, id='p"><script>x</script>',
                      model=ModelSpec((4, 4, 2), (Flatten(name="<b>&"), Dense(3)), name="<svg onload=x>"))
    for f in problem_figures(hostile, reveal=True):
        root = parse(f.svg)  # well-formed XML
        assert "<script>" not in f.svg and root.get("role") == "img"


def test_moodle_questions_embed_the_student_figures_they_link():
    import base64

    from generator.exports.moodle import moodle_xml
    from helpers import exam_key

    key = exam_key(2)
    root = ET.fromstring(moodle_xml(key))
    embedded, categories = 0, 0
    for question in root.iter("question"):
        if question.get("type") == "category":  # each student: a category, then "multiple choice"
            paper = key.papers[categories // 2]
            expected = {f"{f.name}.svg": f.document for p in paper.problems for f in problem_figures(p, reveal=False)}
            categories += 1
            continue
        text = question.find("questiontext")
        assert text is not None
        linked = set(re.findall(r'@@PLUGINFILE@@/([\w.-]+\.svg)', text.findtext("text") or ""))
        files = {f.get("name"): base64.b64decode(f.text or "").decode() for f in text.findall("file")}
        assert set(files) == linked
        for name, document in files.items():
            assert document == expected[name] and "-key" not in name
            embedded += 1
    assert embedded >= len(key.papers)


@pytest.mark.browser
def test_figures_render_in_a_browser(tmp_path, chromium):
    """A worksheet page with figures in headless Chromium: every figure is drawn with a size,
    and a screenshot is kept (build/screenshots/figures-*.png) to look at."""
    from conftest import ARGS, CHROMIUM, REPO
    from generator.worksheet import build_worksheets

    config = tmp_path / "ws.yaml"
    config.write_text(
        "title: Figures\nworksheets:\n  - name: f\n    title: Figures\n    difficulty: standard\n    problems:\n"
        "      - {type: summary_table, count: 1}\n      - {type: layer_shape, count: 1, layers: [Conv2D]}\n"
        "      - {type: inverse, count: 1, find: stride}\n", encoding="utf-8")
    out = build_worksheets(config, 3, tmp_path / "out", verify=False)
    shots = REPO / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    browser = chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        for name in ("f-worksheet.html", "f-key.html"):
            page.goto((out / name).as_uri())
            sizes = page.eval_on_selector_all(
                "figure.figure svg[role=img]",
                "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height,"
                " e.getAttribute('aria-labelledby').split(' ').every(id => document.getElementById(id))])")
            assert len(sizes) >= 4 and all(w > 100 and h > 60 and named for w, h, named in sizes), sizes
            page.screenshot(path=str(shots / f"figures-{name.removesuffix('.html')}.png"), full_page=True)
    finally:
        browser.close()


@pytest.mark.parametrize(("spec", "fmt", "image"), [("seed_mnist.yaml", "svg", "seed-mnist-strip.svg"),
                                                    ("window.yaml", "window", "conv-window.svg")])
def test_the_readmes_figures_are_what_make_docs_images_writes(spec, fmt, image):
    from conftest import REPO
    from generator.explain import explain

    assert explain(REPO / "examples" / spec, fmt) == (REPO / "docs" / "images" / image).read_text(encoding="utf-8")


def test_explain_window_needs_a_one_window_spec():
    from conftest import REPO
    from helpers import cli, one_line_error

    code, out, err = cli("explain", str(REPO / "examples" / "seed_mnist.yaml"), "--format", "window")
    assert "must be one Conv2D" in one_line_error(code, err) and out == ""


def test_the_svg_writer_writes_what_elementtree_writes():
    from generator.figures.svg import Canvas

    canvas = Canvas("t", 10, 10, 'A "title" <&>', "line\nbreak\ttab & <b>")
    canvas.text(1, 2, "x < y & z", parent=canvas.group(class_="a\"b"))
    canvas.rect(0, 0, 1, 1, stroke_dasharray="2 2")
    assert canvas.inline() == ET.tostring(canvas.root, encoding="unicode", short_empty_elements=True)


def test_an_exam_bundle_keeps_every_students_figure_ids_apart(tmp_path):
    from conftest import REPO
    from generator.exam import build_exam

    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\na,Ann\nb,Bo\nc,Cy\n", encoding="utf-8")
    out = build_exam(roster, 4, tmp_path / "exam", REPO / "configs" / "exam.yaml", verify=False)
    for bundle in ("all-exams.html", "all-keys.html"):
        html = (out / bundle).read_text(encoding="utf-8")
        ids = re.findall(r' id="([^"]+)"', html)
        assert html.count("<svg ") >= 3 * 5 and len(ids) == len(set(ids))
        for labelled in re.findall(r'aria-labelledby="([^"]+)"', html):
            assert all(i in ids for i in labelled.split())
    for student in sorted((out / "students").iterdir()):
        markdown = (student / "exam.md").read_text(encoding="utf-8") + (student / "key.md").read_text(encoding="utf-8")
        linked = set(re.findall(r"\]\((figures/[\w.-]+\.svg) ", markdown))
        assert linked == {f"figures/{p.name}" for p in (student / "figures").iterdir()}
