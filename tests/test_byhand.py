"""By-hand problems: the integer reference against hand-worked cases (one typed in from Dumoulin
and Visin's *A guide to convolution arithmetic for deep learning*), the generators' blanks,
distractors, steps and grids, and the 'does it fit?' question (AlexNet's 224 versus 227). The
answers are checked against Keras in ``test_byhand_keras.py``."""

from __future__ import annotations

import ast
import math
import operator
import random
from typing import Any

import pytest

from generator.engine.layers import Conv2D, MaxPooling2D
from generator.key import Key, KeyKind, Paper, Problem
from generator.problems.byhand import BYHAND, ConvTask, cross_correlate, flipped, pool, same_padding
from generator.problems.fit import fit_problem, leftover
from generator.sampler import Difficulty

SEEDS = range(60)

# Dumoulin & Visin (2016), figure 1.1: a 5x5 input, a 3x3 kernel, no padding, stride 1.
GUIDE_INPUT = ((3, 3, 2, 1, 0), (0, 0, 1, 3, 1), (3, 1, 2, 2, 3), (2, 0, 0, 2, 2), (2, 0, 0, 0, 1))
GUIDE_KERNEL = ((0, 1, 2), (2, 2, 0), (0, 1, 2))
GUIDE_OUTPUT = ((12, 12, 17), (10, 17, 19), (9, 6, 14))
# Figure 1.6: 3x3 max pooling, stride 1, of the same input.
GUIDE_POOLED = ((3, 3, 3), (3, 3, 3), (3, 2, 3))

CONV_MISTAKES = {
    "flipped the kernel (a true convolution; Keras' Conv2D cross-correlates: the kernel is not flipped)",
    "forgot the bias",
    "ignored the padding (placed the window as with 'valid')",
    "padded the image although padding='valid' (placed the window as with 'same')",
    "ignored the stride (moved the window by 1, not 2)",
}
POOL_MISTAKES = {
    "moved the pooling window by 1 instead of 2 (the stride of MaxPooling2D((2, 2)) is 2)",
    "averaged the window (that is AveragePooling2D)",
    "added the window up instead of taking its maximum",
}


def problems(variant: str, level: Difficulty, seeds: range = SEEDS) -> list[Problem]:
    return [BYHAND[variant](random.Random(seed), level, f"p{seed}") for seed in seeds]


def task_of(problem: Problem) -> ConvTask:
    assert problem.wording is not None
    return ConvTask.from_facts(dict(problem.wording.facts))


_OPS: dict[type, Any] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                         ast.Div: operator.truediv, ast.USub: operator.neg}
_CALLS: dict[str, Any] = {"floor": math.floor, "ceil": math.ceil, "max": max}


def evaluate(text: str) -> float:
    """A substitution's value with only + - * /, floor, ceil and max: a step's ``substituted``
    must compute its ``value``."""
    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
            return _CALLS[node.func.id](*(walk(a) for a in node.args))
        raise AssertionError(f"not plain arithmetic: {ast.dump(node)} in {text!r}")

    return walk(ast.parse(text, mode="eval"))


def test_reference_matches_the_guide_to_convolution_arithmetic():
    assert cross_correlate((GUIDE_INPUT,), (GUIDE_KERNEL,), 0, 1, "valid") == GUIDE_OUTPUT
    assert pool(GUIDE_INPUT, 3, 1) == GUIDE_POOLED


def test_same_padding_puts_the_odd_row_at_the_bottom_like_keras():
    image = (tuple(tuple(4 * r + c + 1 for c in range(4)) for r in range(4)),)
    top_left = (((1, 0, 0), (0, 0, 0), (0, 0, 0)),)
    # Stride 2 on 4 rows: one row of zeros in all, at the bottom; the first window starts on row 1.
    assert same_padding(4, 3, 2) == (0, 1)
    assert cross_correlate(image, top_left, 0, 2, "same") == ((1, 3), (9, 11))
    centre = (((0, 0, 0), (0, 1, 0), (0, 0, 0)),)
    assert cross_correlate(image, centre, 0, 1, "same") == image[0]


def test_two_channels_add_up_and_the_bias_is_added_once():
    ones = ((1, 1, 1),) * 3
    image = (((1,) * 3,) * 3, ((2,) * 3,) * 3)
    assert cross_correlate(image, (ones, ones), 5, 1, "valid") == ((9 * 1 + 9 * 2 + 5,),)


def test_flipped_kernel_is_a_true_convolution():
    # A true convolution flips the kernel: the guide's example with the kernel turned by 180 degrees.
    assert cross_correlate((GUIDE_INPUT,), flipped((GUIDE_KERNEL,)), 0, 1, "valid")[0][0] == (
        sum(GUIDE_INPUT[u][v] * GUIDE_KERNEL[2 - u][2 - v] for u in range(3) for v in range(3)))


def test_average_pooling_only_when_exact():
    assert pool(((1, 3), (2, 2)), 2, 2, "average") == ((2,),)
    with pytest.raises(ValueError, match="exact"):
        pool(((1, 3), (2, 3)), 2, 2, "average")


@pytest.mark.parametrize("level", list(Difficulty))
def test_conv_one_answers_and_named_distractors(level):
    for problem in problems("conv_one", level):
        (b,) = problem.blanks
        task = task_of(problem)
        facts = dict(problem.wording.facts) if problem.wording else {}
        i, j = facts["row"], facts["col"]
        assert isinstance(i, int) and isinstance(j, int)
        assert b.answer == str(task.output[i - 1][j - 1]) and int(b.answer) >= 0
        assert b.distractors and {d.mistake for d in b.distractors} <= CONV_MISTAKES
        assert all(d.answer not in b.accepted for d in b.distractors)
        flip = [d for d in b.distractors if d.mistake.startswith("flipped")]
        for d in flip:
            assert d.answer == str(cross_correlate(task.image, flipped(task.kernel), task.bias, task.stride,
                                                   task.padding)[i - 1][j - 1])
        assert problem.variant == "conv_one" and problem.model.layers == (task.layer,)
        assert 5 <= task.side <= 7 and task.channels == (task.channels if level is Difficulty.ADVANCED else 1)


def test_conv_one_covers_both_paddings_strides_and_two_channels():
    seen = {(t.stride, t.padding.value, t.channels) for t in map(task_of, problems("conv_one", Difficulty.ADVANCED))}
    assert {s for s, _, _ in seen} == {1, 2} and {p for _, p, _ in seen} == {"valid", "same"}
    assert {c for _, _, c in seen} == {1, 2}


@pytest.mark.parametrize("level", list(Difficulty))
def test_conv_map_grid_lists_exactly_the_feature_map_blanks(level):
    for problem in problems("conv_map", level):
        task = task_of(problem)
        fm = task.output
        assert len(fm) <= 4 and len(fm[0]) <= 4
        assert problem.grid == tuple(tuple(f"r{i}c{j}" for j in range(1, len(fm[0]) + 1))
                                     for i in range(1, len(fm) + 1))
        answers = problem.answers
        assert [[int(answers[c]) for c in row] for row in problem.grid] == [list(r) for r in fm]
        pooled = {b.id: b for b in problem.blanks if b.id.startswith("pool_")}
        in_grid = {c for row in problem.grid for c in row}
        assert in_grid | set(pooled) == {b.id for b in problem.blanks} and not in_grid & set(pooled)
        expected = pool(fm, 2, 2) if level is not Difficulty.INTRO else ()
        assert {k: int(b.answer) for k, b in pooled.items()} == {
            f"pool_r{i}c{j}": v for i, row in enumerate(expected, 1) for j, v in enumerate(row, 1)}
        assert len(problem.model.layers) == (2 if pooled else 1)
        for b in problem.blanks:
            assert int(b.answer) >= 0
            assert {d.mistake for d in b.distractors} <= (POOL_MISTAKES if b.id in pooled else CONV_MISTAKES)
            assert all(d.answer not in b.accepted for d in b.distractors)


def test_generators_are_deterministic_under_a_seed():
    for variant, make in BYHAND.items():
        for seed in range(10):
            first, second = (make(random.Random(seed), Difficulty.STANDARD, "p1") for _ in range(2))
            assert first.to_dict() == second.to_dict(), variant
            assert first.variant.split(":")[0] == variant


@pytest.mark.parametrize("variant", list(BYHAND))
def test_every_step_substitution_computes_its_value(variant):
    for level in Difficulty:
        for problem in problems(variant, level, range(20)):
            for b in problem.blanks:
                for s in b.steps:
                    if s.value is not None:
                        assert s.formula and s.substituted, s
                        assert evaluate(s.substituted) == s.value, s
                        assert s.text.endswith(str(s.value)) or f"= {s.value}" in s.text, s


def test_keys_with_by_hand_problems_round_trip_and_match_the_schema():
    found = tuple(make(random.Random(seed), level, f"{variant}{seed}{level.value}")
                  for variant, make in BYHAND.items() for seed in range(3) for level in Difficulty)
    key = Key(KeyKind.WORKSHEET, "By hand", (Paper.shared(found),), seed=1)
    again = Key.from_json(key.to_json(), "key.json")
    assert again == key
    assert any(p.grid for p in again.problems)


def test_the_template_shows_the_grids_as_latex_matrices():
    problem = problems("conv_map", Difficulty.INTRO, range(1))[0]
    task = task_of(problem)
    rows = r" \\ ".join(" & ".join(map(str, row)) for row in task.image[0])
    assert rf"$\left[\begin{{matrix}} {rows} \end{{matrix}}\right]$" in problem.prompt
    assert f"b = {task.bias}" in problem.prompt and "feature map" in problem.prompt


@pytest.mark.parametrize(("n", "fits", "left", "out"), [(224, "no", 1, 54), (227, "yes", 0, 55)])
def test_alexnet_conv1_224_versus_227(n, fits, left, out):
    problem = fit_problem(n, 3, Conv2D(96, (11, 11), (4, 4)), 0, Difficulty.STANDARD, "p1")
    assert problem.answers == {"fits": fits, "leftover": str(left), "output": str(out)}
    assert problem.summary.records[-1].output_shape == (out, out, 96)
    assert "AlexNet" in problem.prompt
    (wrong,) = problem.blanks[0].distractors
    assert wrong.answer == ("yes" if fits == "no" else "no")
    output = problem.blanks[2]
    if fits == "no":
        assert ("55", "rounded up (Keras takes the floor: a window that would stick out is dropped)") in {
            (d.answer, d.mistake) for d in output.distractors}


def test_fit_with_padding_counts_the_padding():
    # 32 + 2*1 - 5 = 29 = 2*14 + 1: one row left over, and it is a row of zeros of the padding.
    problem = fit_problem(32, 8, MaxPooling2D((5, 5), (2, 2)), 1, Difficulty.ADVANCED, "p1")
    assert problem.answers == {"fits": "no", "leftover": "1", "output": "15"}
    assert "(all of them padding zeros, so no pixel of the image is lost)" in problem.blanks[2].steps[-1].text
    assert problem.summary.records[-1].output_shape == (15, 15, 8)
    assert leftover(32, 5, 2) == 1 and leftover(31, 5, 2) == 0


def test_fit_refuses_what_it_cannot_ask():
    with pytest.raises(ValueError, match="Received"):
        fit_problem(32, 3, Conv2D(8, (3, 5), (2, 2)), 0, Difficulty.STANDARD, "p1")


@pytest.mark.parametrize("level", list(Difficulty))
def test_fits_answers_agree_with_the_engine_and_half_fit(level):
    found = problems("fits", level, range(200))
    for problem in found:
        answers = problem.answers
        assert (answers["fits"] == "yes") == (answers["leftover"] == "0")
        side = problem.summary.records[-1].output_shape[0]
        assert answers["output"] == str(side)
        for b in problem.blanks:
            assert b.distractors and all(d.answer not in b.accepted for d in b.distractors)
    share = sum(p.answers["fits"] == "yes" for p in found) / len(found)
    assert 0.3 < share < 0.7, share
