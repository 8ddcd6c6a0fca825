"""The ratio questions (generator/problems/ratios.py): every answer recomputed with plain
arithmetic from the numbers the question shows (its wording facts) and from the engine on the
problem's own models, the worked steps evaluated, the named distractors, the textbook numbers
(VGG16's first dense layer, AlexNet's conv1 and cs231n's count without sharing, three 3x3 layers
against one 7x7), determinism and the wording. The counts are checked against Keras in
``test_ratios_keras.py``."""

from __future__ import annotations

import functools
import math
import random
from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest

from generator.engine import analyze
from generator.engine.notation import NOTATION
from generator.engine.steps import Quantity
from generator.key import Key, KeyKind, Paper, Problem, ProblemType
from generator.problems.ratios import RATIOS, exact, nearest
from generator.render import latex_html
from generator.sampler import Difficulty
from generator.wording import render_wording
from helpers import eval_work

SEEDS = range(200)


@functools.cache
def drawn(variant: str, level: Difficulty) -> tuple[Problem, ...]:
    return tuple(RATIOS[variant](random.Random(seed), level, f"p{seed}") for seed in SEEDS)


def facts(problem: Problem) -> dict[str, Any]:
    assert problem.wording is not None
    return dict(problem.wording.facts)


def half_up(a: int, b: int) -> int:
    """a/b to the nearest whole number, halves up, with exact rationals."""
    return math.floor(Fraction(a, b) + Fraction(1, 2))


def expected(problem: Problem) -> dict[str, int]:
    """The answers, worked out from the facts the question shows, by the textbook formulas."""
    f = facts(problem)
    level = Difficulty(problem.difficulty)
    if problem.variant == "effective_kernel":
        k, d, n = f["kernel"], f["dilation"], f["side"]
        k_eff = k + (k - 1) * (d - 1)  # the taps plus the d - 1 gaps between each pair
        return {"k_eff": k_eff} | ({"output": n - k_eff + 1} if level is not Difficulty.INTRO else {})
    if problem.variant == "stacked_kernels":
        n_layers, k, c = f["layers"], f["kernel"], f["channels"]
        r = 1 + n_layers * (k - 1)
        return {"rf": r, "stack": n_layers * k * k * c * c, "single": r * r * c * c}
    if problem.variant == "separable_savings":
        side, cin, cout, k = f["side"], f["channels"], f["filters"], f["kernel"]
        std, sep = k * k * cin * cout, k * k * cin + cin * cout
        out = {"standard": std, "separable": sep, "ratio": half_up(std, sep)}
        if level is not Difficulty.INTRO:
            out |= {"standard_macs": side * side * std, "separable_macs": side * side * sep}
        return out
    if problem.variant == "bottleneck":
        c, mid = f["channels"], f["middle"]
        block, plain = c * mid + 9 * mid * mid + mid * c, 9 * c * c
        return {"block": block, "plain": plain, "ratio": half_up(plain, block)}
    if problem.variant == "gap_head":
        side, c, units = f["side"], f["channels"], f["units"]
        flat, gap = side * side * c * units + units, c * units + units
        return {"flatten": flat, "gap": gap} | ({"ratio": half_up(flat, gap)} if level is not Difficulty.INTRO else {})
    assert problem.variant == "parameter_sharing"
    n, cin, cout, k, s = f["side"], f["channels"], f["filters"], f["kernel"], f["stride"]
    o = (n - k) // s + 1
    out = {"conv": k * k * cin * cout + cout, "local": o * o * cout * (k * k * cin + 1)}
    if level is not Difficulty.INTRO:
        out["dense"] = (n * n * cin) * (o * o * cout) + o * o * cout
    return out


@pytest.mark.parametrize("level", list(Difficulty))
@pytest.mark.parametrize("variant", list(RATIOS))
def test_answers_equal_the_textbook_formulas_on_the_facts(variant, level):
    for problem in drawn(variant, level):
        assert problem.type is ProblemType.CONCEPT and problem.variant == variant
        assert problem.answers == {bid: str(v) for bid, v in expected(problem).items()}, facts(problem)


@pytest.mark.parametrize("variant", list(RATIOS))
def test_layer_counts_agree_with_the_engine_on_the_problems_models(variant):
    """A blank tied to a layer (or the totals) of its model gives what analyze counts there."""
    for level in Difficulty:
        for problem in drawn(variant, level)[:50]:
            for b in problem.blanks:
                summary = analyze(b.model or problem.model)
                if b.layer is not None and b.field == "params":
                    assert b.answer == str(summary.records[b.layer].params)
                elif b.layer is not None and b.field == "output_height_width":
                    assert b.answer == str(summary.records[b.layer].output_shape[0])
                elif b.field == "total_params":
                    assert b.answer == str(summary.total_params)


@pytest.mark.parametrize("variant", list(RATIOS))
def test_every_step_is_a_worked_rule_that_computes_its_value(variant):
    for level in Difficulty:
        for problem in drawn(variant, level):
            for b in problem.blanks:
                assert b.steps, (variant, b.id)
                for s in b.steps:
                    if s.value is None:
                        continue
                    assert eval_work(s.substituted) == s.value, s.text
                    if s.computes:  # else a value read off (Flatten's length, pooling's channels)
                        assert s.formula and s.label and s.formula_latex and s.substituted_latex, s.text
                    assert set(s.symbols) <= set(NOTATION), s.symbols
                    assert "**" not in s.substituted and "^" not in s.substituted, s.substituted
                if b.id == "ratio":
                    (ratio,) = [s for s in b.steps if s.quantity is Quantity.RATIO]
                    assert ratio.value == int(b.answer) and "to the nearest whole number" in ratio.remark


@pytest.mark.parametrize("variant", list(RATIOS))
def test_distractors_are_named_wrong_answers(variant):
    for level in Difficulty:
        for problem in drawn(variant, level):
            for b in problem.blanks:
                assert b.distractors, (variant, b.id, facts(problem))
                for d in b.distractors:
                    assert d.answer not in b.accepted and len(d.mistake) > 10, d
                    assert int(d.answer) >= 0
                assert len({d.answer for d in b.distractors}) == len(b.distractors)


def first(variant: str, level: Difficulty, flag: str) -> Problem:
    return next(p for p in drawn(variant, level) if facts(p)[flag])


def test_vgg16_first_dense_layer():
    problem = first("gap_head", Difficulty.STANDARD, "vgg")
    assert (facts(problem)["side"], facts(problem)["channels"], facts(problem)["units"]) == (7, 512, 4096)
    assert problem.answers == {"flatten": str(7 * 7 * 512 * 4096 + 4096), "gap": str(512 * 4096 + 4096), "ratio": "49"}
    assert problem.answers["flatten"] == "102764544"
    assert problem.blanks[0].model is not None  # small enough for verification to build in Keras


def test_alexnet_conv1_with_and_without_parameter_sharing():
    """cs231n: 55·55·96 = 290,400 neurons with 11·11·3 = 363 weights and 1 bias each is
    105,705,600 parameters; shared, 96·11·11·3 weights + 96 biases = 34,944."""
    problem = first("parameter_sharing", Difficulty.ADVANCED, "alexnet")
    assert facts(problem)["output"] == "(None, 55, 55, 96)"
    assert problem.answers["conv"] == "34944" == str(11 * 11 * 3 * 96 + 96)
    assert problem.answers["local"] == "105705600" == str(290_400 * 364)
    assert problem.answers["dense"] == str(227 * 227 * 3 * 290_400 + 290_400)
    dense = problem.blanks[2]
    assert dense.model is None and dense.layer is None  # 44.9 billion weights: never built in Keras


@pytest.mark.parametrize("level", list(Difficulty))
def test_three_3x3_layers_see_7x7_with_27_c2_weights_instead_of_49_c2(level):
    for problem in drawn("stacked_kernels", level):
        n_layers, c = facts(problem)["layers"], facts(problem)["channels"]
        side = {2: 5, 3: 7}[n_layers]
        assert problem.answers == {"rf": str(side), "stack": str(9 * n_layers * c * c), "single": str(side * side * c * c)}
    assert level is Difficulty.INTRO or any(facts(p)["layers"] == 3 for p in drawn("stacked_kernels", level))


def test_the_separable_ratio_is_the_textbook_one_over_c_out_plus_one_over_k_squared():
    for problem in drawn("separable_savings", Difficulty.ADVANCED):
        f = facts(problem)
        textbook = 1 / (Fraction(1, f["filters"]) + Fraction(1, f["kernel"] ** 2))
        assert problem.answers["ratio"] == str(math.floor(textbook + Fraction(1, 2)))
        assert f"{textbook.numerator:,}/{textbook.denominator:,}" in problem.blanks[-1].steps[0].remark


def test_rounding_is_half_up_and_the_fraction_is_shown():
    assert [nearest(a, b) for a, b in ((5, 2), (7, 2), (7, 3), (8, 3), (144, 17))] == [3, 4, 2, 3, 8]
    assert exact(49, 27) == "49/27 ≈ 1.81" and exact(50, 4) == "50/4 = 25/2 = 12.5"


def test_generators_are_deterministic_under_a_seed():
    for variant, make in RATIOS.items():
        for level in Difficulty:
            for seed in range(5):
                one, two = (make(random.Random(seed), level, "p1") for _ in range(2))
                assert one == two and one.to_dict() == two.to_dict(), variant


def test_draws_vary():
    for variant in RATIOS:
        assert len({tuple(p.answers.items()) for p in drawn(variant, Difficulty.ADVANCED)}) >= 8, variant


@pytest.mark.parametrize("variant", list(RATIOS))
def test_the_wording_gives_a_title_and_a_prompt(variant):
    for level in Difficulty:
        problem = drawn(variant, level)[0]
        assert problem.wording is not None and problem.wording.template == "ratios"
        title, prompt = render_wording(problem.wording)
        assert title and prompt and (title, prompt) == (problem.title, problem.prompt)
        assert not any(b.answer in title for b in problem.blanks if len(b.answer) > 1)


def test_keys_round_trip_match_the_schema_and_their_latex_converts():
    found = tuple(replace(drawn(variant, level)[seed], id=f"{variant}-{level.value}-{seed}")
                  for variant in RATIOS for level in Difficulty for seed in range(2))
    key = Key(KeyKind.WORKSHEET, "Ratios", (Paper.shared(found),), seed=1)
    assert Key.from_json(key.to_json(), "key.json") == key
    for problem in found:
        for b in problem.blanks:
            for s in b.steps:
                if s.formula_latex:
                    assert "<math" in latex_html(f"{s.formula_latex} = {s.substituted_latex}")
