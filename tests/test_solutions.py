"""Worked solutions that teach: every problem type's solution states the general rule before
any number, every substitution evaluates to the value it shows, and the documents render the
rules as LaTeX in Markdown and as MathML (no script) in HTML."""

from __future__ import annotations

import random
import re

import pytest

from generator.documents import document_context, render_documents
from generator.engine.notation import NOTATION
from generator.key import Problem, ProblemType
from generator.problems import generate
from generator.problems.slot import FINDS, PARAM_LAYERS, SHAPE_LAYERS, TOPICS
from generator.render import environment
from helpers import eval_work

LEVELS = ("intro", "standard", "advanced")
VARIANTS: list[tuple[ProblemType, str | None]] = [
    (ProblemType.SUMMARY_TABLE, None),
    *((ProblemType.LAYER_SHAPE, t) for t in SHAPE_LAYERS),
    *((ProblemType.LAYER_PARAMS, t) for t in PARAM_LAYERS),
    *((ProblemType.INVERSE, f) for f in FINDS),
    *((ProblemType.CONCEPT, t) for t in TOPICS),
]


def _problems(kind: ProblemType, variant: str | None, seeds: int = 12) -> list[Problem]:
    return [generate(kind, random.Random(seed), LEVELS[seed % 3], f"p{seed}", variant=variant) for seed in range(seeds)]


@pytest.mark.parametrize("kind, variant", VARIANTS, ids=[f"{k.value}-{v}" for k, v in VARIANTS])
def test_every_substitution_evaluates_to_the_value_it_shows(kind, variant):
    checked = 0
    for problem in _problems(kind, variant):
        steps = [s for part in problem.solution for s in part.steps]
        steps += [s for b in problem.blanks for s in b.steps]
        for step in steps:
            if step.value is not None and step.substituted:
                assert eval_work(step.substituted) == step.value, (problem.id, step.text)
                checked += 1
    assert checked, f"no computed step in any {kind.value} {variant} solution"


@pytest.mark.parametrize("kind, variant", VARIANTS, ids=[f"{k.value}-{v}" for k, v in VARIANTS])
def test_every_computation_comes_after_its_general_rule(kind, variant):
    for problem in _problems(kind, variant, seeds=6):
        for part in problem.solution:
            for step in part.steps:
                if step.computes:
                    assert step.formula_latex and step.substituted_latex and step.label, (problem.id, step.text)
                    assert "=" in step.formula, step.formula  # a rule names what it computes
                    assert all(name in NOTATION for name in step.symbols), step.symbols


def test_the_key_shows_the_rule_then_the_numbers_then_the_words():
    problem = generate("inverse", random.Random(4), "standard", "p1", variant="stride")
    context = document_context("T", "", "standard", 1, "salt", [problem], "")
    docs = render_documents(environment(), context, "salt", "T")
    lines = [line for line in docs["key.md"].splitlines() if line.startswith("- **")]
    for step in (s for part in problem.solution for s in part.steps if s.computes):
        line = next(line for line in lines if step.substituted_latex in line)
        assert line.index(step.formula_latex) < line.index(step.substituted_latex)
        assert f"= {step.value}$" in line
    assert "**Notation.**" in docs["key.md"] and "- $s$: stride along that axis" in docs["key.md"]


def test_html_keys_carry_mathml_and_no_script():
    problems = [generate("concept", random.Random(2), "advanced", "p1", variant="conv_one"),
                generate("summary_table", random.Random(2), "standard", "p2")]
    context = document_context("T", "", "standard", 1, "salt", problems, "")
    docs = render_documents(environment(), context, "salt", "T")
    html = docs["key.html"]
    assert "<script" not in html
    formulas = re.findall(r"\$[^$\n]+\$", docs["key.md"])
    assert len(formulas) > 20
    assert html.count("<math ") == docs["key.md"].count("$") // 2 - docs["key.md"].count("&#36;")
    assert "$" not in re.sub(r"<math.*?</math>", "", html, flags=re.S)  # every formula converted
    assert "<mfrac>" in html and "<mtable>" in html  # floor fractions and the image matrices


def test_lms_feedback_has_mathjax_delimiters_for_moodle_and_mathml_for_canvas():
    from generator.exports.content import solution_html

    problem = generate("layer_shape", random.Random(1), "standard", "p1", variant="Conv2D")
    moodle, canvas = solution_html(problem, "tex"), solution_html(problem, "mathml")
    assert r"\(o = \left\l" in moodle and "<math" not in moodle
    assert "<math" in canvas and r"\(" not in canvas
    assert "Where" in moodle and "output height" in moodle


def test_user_text_never_opens_a_formula(tmp_path):
    from generator.render import markdown_to_html, md_text

    assert "<math" not in markdown_to_html(f"Model {md_text('$x^2$ costs $5')}")


def test_transposed_convolution_key_uses_the_textbook_form():
    problem = next(p for p in _problems(ProblemType.LAYER_SHAPE, "Conv2DTranspose", seeds=30)
                   if p.model.layers[0].padding.value == "valid")
    step = next(s for part in problem.solution for s in part.steps if s.formula.startswith("o = (n - 1)s"))
    assert "'valid': p = 0" in step.remark and "max(" in step.substituted


def test_dense_on_a_feature_map_states_the_last_axis_rule():
    from generator.engine import ModelSpec, analyze
    from generator.engine.layers import Dense

    steps = analyze(ModelSpec((7, 7, 64), (Dense(10),)), explain=True).records[0].steps
    assert any("Dense acts on the last axis only" in s.formula for s in steps)


NEW_TOPICS = [t for t in TOPICS if t not in ("pool_params", "same_vs_valid", "flatten", "macs", "receptive_field")]


@pytest.mark.parametrize("level", LEVELS)
def test_every_student_of_an_exam_gets_the_same_kind_of_new_question(level, tmp_path):
    """A slot pinned to a new topic gives each student the same question with other numbers:
    the same heading and the same answer boxes (a by-hand feature map of the same size)."""
    import yaml

    from generator.configs import load_exam_config
    from generator.exam import build_master
    from generator.roster import Student

    config = {"title": "T", "difficulty": level,
              "problems": [{"type": "concept", "count": 1, "topic": t} for t in NEW_TOPICS]}
    path = __import__("pathlib").Path(__import__("tempfile").mkdtemp()) / "exam.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    master = build_master(load_exam_config(path), 3, [Student(f"s{i}", "") for i in range(12)])
    for slot, topic in enumerate(NEW_TOPICS):
        kinds = {(p.problems[slot].title, tuple(b.id for b in p.problems[slot].blanks)) for p in master.papers}
        assert len(kinds) == 1, (topic, kinds)
        assert all(p.problems[slot].variant.split(":")[0] == topic for p in master.papers)
