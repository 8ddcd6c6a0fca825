"""The problem contract: a problem type is ``generate(rng, level, pid, variant) -> Problem``
(PrairieLearn's generate/answer split), and a :class:`~generator.key.Problem` is a typed record
of the key: the question, the blanks with their computed answers, the worked steps as
:class:`~generator.key.WorkedStep` records, and the model it was computed from. Templates,
exports and grading only read it. This module holds what every problem type shares.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from generator.answers import canonical
from generator.engine import ModelSpec, analyze
from generator.engine.formula import Rule
from generator.engine.layers import shape_str
from generator.engine.model import LayerRecord, Summary
from generator.engine.steps import Quantity, worked_text
from generator.key import Blank, Derive, Distractor, Problem, ProblemType, SolutionPart, WorkedStep
from generator.key.parts import Wording
from generator.problems.distractors import (
    params_distractors,
    shape_distractors,
)
from generator.sampler import Difficulty
from generator.wording import render_wording

T = TypeVar("T")
MAX_DRAWS = 20_000


def blank(
    id: str,
    label: str,
    kind: str,
    value: Any,
    steps: Sequence[WorkedStep] = (),
    accepted: Sequence[Any] | None = None,
    distractors: Sequence[tuple[Any, str]] = (),
    layer: int | None = None,
    field: str = "",
    depends_on: Sequence[str] = (),
    derive: Derive | None = None,
) -> Blank:
    """Builds a :class:`Blank` from computed values, canonicalizing every answer; distractors
    equal to a right answer (or to each other) are dropped. ``depends_on`` and ``derive``: the
    blanks its answer follows from and how (follow-through credit)."""
    answer = canonical(value, kind)
    accepted_c = tuple(dict.fromkeys(canonical(a, kind) for a in (accepted or [value])))
    wrong: dict[str, str] = {}
    for wrong_value, mistake in distractors:
        try:
            c = canonical(wrong_value, kind)
        except (ValueError, TypeError):
            continue
        if c not in accepted_c and c not in wrong and _plausible(c, kind) and _mirror(answer, c, kind) not in wrong:
            wrong[c] = mistake
    return Blank(
        id, label, kind, answer, accepted_c, tuple(steps),
        tuple(Distractor(a, m) for a, m in wrong.items()), layer, field, depends_on=tuple(depends_on), derive=derive,
    )


def _mirror(answer: str, wrong: str, kind: str) -> str:
    """The wrong answer on the other side of ``answer`` at the same distance (per axis for a
    shape): two such options would bracket the answer and give it away.

    >>> _mirror("26x26x32", "25x25x32", "shape"), _mirror("320", "288", "int")
    ('27x27x32', '352')
    """
    if kind == "int":
        return str(2 * int(answer) - int(wrong))
    if kind == "shape" and answer.count("x") == wrong.count("x"):
        return "x".join(str(2 * int(a) - int(b)) for a, b in zip(answer.split("x"), wrong.split("x"), strict=True))
    return ""


def _plausible(answer: str, kind: str) -> bool:
    """A distractor a student could write: no zero or negative sizes, no negative counts."""
    if kind == "shape":
        return all(int(d) > 0 for d in answer.split("x"))
    if kind == "int":
        return int(answer) >= 0
    return bool(answer)


def draw_until(draw: Callable[[], T], key: Callable[[T], str], variant: str | None) -> tuple[T, str]:
    """Draws until ``key(item) == variant`` (any item when ``variant`` is None). Each draw is a
    cheap spec-level sample, never a whole problem: exams use this to give every student the
    same kind of question in a slot."""
    for _ in range(MAX_DRAWS):
        item = draw()
        if variant is None or key(item) == variant:
            return item, key(item)
    raise ValueError(f"no draw matched variant {variant!r}")


def step(quantity: Quantity, text: str, value: int | None = None, formula: str = "",
         substituted: str = "", option: str | None = None) -> WorkedStep:
    """A worked step that is not the engine's and applies no rule (an explanation, a value read
    off, a conclusion)."""
    return WorkedStep(quantity, text, formula, substituted, value, option)


def rule_step(quantity: Quantity, label: str, rule: Rule, substituted: str, substituted_latex: str, value: int,
              remark: str = "", option: str | None = None) -> WorkedStep:
    r"""A computed step that is not the engine's (a total, a solved equation): the general
    ``rule``, the numbers put in (``substituted`` evaluates to ``value``), the value.

    >>> s = rule_step(Quantity.KERNEL_SIZE, "kernel size", Rule("k = n - s(o - 1)", "k = n - s(o - 1)", ("k",)),
    ...               "28 - 1*(26 - 1)", "28 - 1 \\cdot (26 - 1)", 3)
    >>> s.text
    'kernel size: k = n - s(o - 1) = 28 - 1*(26 - 1) = 3'
    """
    text = worked_text(label, rule.text, substituted, value, remark)
    return WorkedStep(quantity, text, rule.text, substituted, value, option, label,
                      rule.latex, substituted_latex, remark, rule.symbols)


TOTALS = {  # the general rule of each total
    Quantity.TOTAL_PARAMS: Rule("P_total = sum of P over the layers", r"P_{\mathrm{total}} = \sum_{\text{layers}} P", ("P",)),
    Quantity.TRAINABLE: Rule("P_trainable = sum of the trainable P over the layers",
                             r"P_{\mathrm{trainable}} = \sum_{\text{layers}} P_{\mathrm{trainable}}", ("P",)),
    Quantity.NON_TRAINABLE: Rule("P_non-trainable = sum of the non-trainable P over the layers",
                                 r"P_{\mathrm{non\text{-}trainable}} = \sum_{\text{layers}} P_{\mathrm{non\text{-}trainable}}", ("P",)),
}


def sum_step(quantity: Quantity, label: str, terms: list[int], value: int, note: str = "") -> WorkedStep:
    """``320 + 18496 = 18816``: a total over the layers (a summary table's totals, Keras' or
    PyTorch's), its general rule first."""
    work = " + ".join(map(str, terms)) or "0"
    return rule_step(quantity, label, TOTALS[quantity], work, work, value, note)


def rule_note(label: str, rule: Rule, remark: str = "") -> WorkedStep:
    """A general rule stated before any number is put in (``the rule: o = floor((n - k)/s) +
    1``), with optional words."""
    return WorkedStep(Quantity.NOTE, f"{label}: {rule.text}" + (f" ({remark})" if remark else ""), rule.text, "", None,
                      None, label, rule.latex, "", remark, rule.symbols)


def part(heading: str, steps: Sequence[WorkedStep]) -> SolutionPart:
    """A part of a worked solution: its heading and steps."""
    return SolutionPart(heading, tuple(steps))


def shape_steps(record: LayerRecord) -> list[WorkedStep]:
    """The engine's steps for a layer's output shape, then the shape itself."""
    steps = [WorkedStep.of(s) for s in record.steps if not s.quantity.counts_parameters]
    return [*steps, step(Quantity.OUTPUT_SHAPE, f"output shape = {shape_str(record.output_shape)}")]


def param_steps(record: LayerRecord) -> list[WorkedStep]:
    """The engine's steps for a layer's parameters (and their total, when split)."""
    steps = [WorkedStep.of(s) for s in record.steps if s.quantity.counts_parameters]
    if len(steps) > 1:
        work = f"{record.trainable} + {record.non_trainable}"
        steps.append(rule_step(Quantity.PARAMS, "parameters", _SPLIT, work, work, record.params))
    return steps


_SPLIT = Rule("P = P_trainable + P_non-trainable", r"P = P_{\mathrm{trainable}} + P_{\mathrm{non\text{-}trainable}}", ("P",))


def shape_blank(bid: str, record: LayerRecord, label: str) -> Blank:
    """The blank for a layer's output shape, with its steps and distractors."""
    return blank(
        bid, label, "shape", record.output_shape, shape_steps(record),
        distractors=shape_distractors(record.layer, record.input_shape, record.output_shape),
        layer=record.index, field="output_shape",
    )


def params_blank(bid: str, record: LayerRecord, label: str) -> Blank:
    """The blank for a layer's parameter count, with its steps and distractors."""
    return blank(
        bid, label, "int", record.params, param_steps(record),
        distractors=params_distractors(record.layer, record.input_shape, record.trainable, record.non_trainable),
        layer=record.index, field="params",
    )


def single(spec: ModelSpec) -> tuple[Summary, LayerRecord]:
    """The explained analysis of a one-layer model, and its layer."""
    summary = analyze(spec, explain=True)
    return summary, summary.records[0]


def make_problem(pid: str, kind: ProblemType, level: Difficulty, words: Wording,
                 blanks: list[Blank], model: ModelSpec, solution: Sequence[SolutionPart] | None = None,
                 code: str = "", table: tuple[dict[str, str], ...] = (), variant: str = "",
                 grid: tuple[tuple[str, ...], ...] = ()) -> Problem:
    """A problem worded by its type's template (see :mod:`generator.wording`); without
    ``solution``, the blanks' steps (a part per blank, headed by its label, when there are
    several)."""
    if solution is None:
        solution = [part("", blanks[0].steps)] if len(blanks) == 1 else [part(b.label, b.steps) for b in blanks]
    title, prompt = render_wording(words)
    return Problem(pid, kind, level.value, title, prompt, tuple(blanks), tuple(solution), model,
                   code, table, variant, words, grid=grid)
