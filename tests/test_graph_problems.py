"""The functional-model questions (residual blocks, Inception modules, which shortcut makes an
Add valid): their answers follow from the engine's model, their solutions show each rule before
its numbers, and (keras-marked) every drawn question and every offered shortcut agree with Keras."""

from __future__ import annotations

import random
import re

import pytest

from generator.engine import analyze
from generator.errors import GeometryError
from generator.key import ProblemType
from generator.problems import generate
from generator.problems.graphs import main_path, shortcut_options, shortcut_shape, with_shortcut
from generator.problems.slot import TOPICS, Slot
from generator.sampler import Difficulty

GRAPH_TOPICS = ("residual_block", "inception_module", "shortcut_choice")


def _draw(topic: str, seed: int):
    return generate(Slot(ProblemType.CONCEPT, topic=topic), random.Random(seed), Difficulty.ADVANCED, f"q{seed}")


def test_the_topics_are_offered():
    assert set(GRAPH_TOPICS) <= set(TOPICS)


@pytest.mark.parametrize("seed", range(40))
def test_residual_block_answers_add_up(seed):
    p = _draw("residual_block", seed)
    answers = {b.id: b.answer for b in p.blanks}
    summary = analyze(p.model)
    assert p.model.is_graph and int(answers["total"]) == summary.total_params
    assert int(answers["main"]) + int(answers["shortcut"]) == summary.total_params
    assert answers["shape"] == "x".join(map(str, summary.output_shape))
    kind, shortcut = p.variant.split(":")[1:]
    names = {r.name for r in summary.records}
    assert ("projection" in names) == (shortcut == "projection") and ("expand" in names) == (kind == "bottleneck")
    if shortcut == "identity":
        assert answers["shortcut"] == "0" and summary.output_shape == p.model.input_shape
    for b in p.blanks:
        assert b.answer not in {d.answer for d in b.distractors}
    assert "P = P_1 + P_2 + ..." in p.solution[-1].steps[-1].text  # the rule, then the numbers


def test_residual_blocks_cover_every_kind():
    variants = {_draw("residual_block", seed).variant for seed in range(60)}
    assert variants == {f"residual_block:{k}:{s}" for k in ("basic", "bottleneck") for s in ("projection", "identity")}


@pytest.mark.parametrize("seed", range(20))
def test_inception_module_channels_add_up(seed):
    p = _draw("inception_module", seed)
    summary = analyze(p.model)
    concat = summary.records[-1]
    branch_ends = [summary.records[i] for i in p.model.inputs[-1]]
    assert concat.output_shape[-1] == sum(r.output_shape[-1] for r in branch_ends)
    answers = {b.id: b.answer for b in p.blanks}
    assert int(answers["params"]) == summary.total_params
    step = next(s for s in p.solution[-2].steps if s.quantity.value == "output_channels")
    assert step.text.startswith("output channels: C_out = C_1 + C_2 + ...")


@pytest.mark.parametrize("seed", range(40))
def test_exactly_one_offered_shortcut_makes_the_add_valid(seed):
    p = _draw("shortcut_choice", seed)
    options = re.findall(r"^- \*\*([A-D])\.\*\* (.+)$", p.prompt, flags=re.M)
    assert [letter for letter, _ in options] == list("ABCD")
    assert len({text for _, text in options}) == 4
    (b,) = p.blanks
    checks = [s.text for s in p.solution[1].steps if s.quantity.value == "check"]
    valid = [c[0] for c in checks if c.endswith("the Add is valid")]
    assert valid == [b.answer.upper()]
    assert {d.answer for d in b.distractors} == set("abcd") - {b.answer}
    analyze(p.model)  # the model with the right shortcut is valid


@pytest.mark.parametrize(("stride", "widen"), [(1, 1), (2, 2), (1, 2), (2, 1)])
def test_every_candidate_shortcut_is_judged_by_the_engine(stride, widen):
    c, side = 16, 32
    filters = c * widen
    main = analyze(main_path(c, side, filters, stride)).output_shape
    for _, layer in shortcut_options(c, filters, stride):
        ok = shortcut_shape(c, side, layer) == main
        try:
            analyze(with_shortcut(c, side, filters, stride, layer))
        except GeometryError as exc:
            assert not ok and "differ in the" in str(exc)
        else:
            assert ok


def test_config_asks_for_the_new_topics(tmp_path):
    from generator.configs import load_config

    config = tmp_path / "c.yaml"
    config.write_text("title: t\nworksheets:\n  - name: w\n    title: W\n    difficulty: advanced\n    problems:\n"
                      + "".join(f"      - {{type: concept, count: 1, topic: {t}}}\n" for t in GRAPH_TOPICS)
                      + "      - {type: summary_table, count: 1, model: 'zoo:inception_a'}\n")
    loaded = load_config(config)
    assert [r.slot.topic for r in loaded.worksheets[0].problems][:3] == list(GRAPH_TOPICS)


@pytest.mark.keras
@pytest.mark.parametrize("topic", GRAPH_TOPICS)
def test_graph_questions_agree_with_keras(topic):
    from generator.verify import keras_module, verify_problem

    for seed in range(12):
        assert verify_problem(_draw(topic, seed)) == []
    keras_module().backend.clear_session()


@pytest.mark.keras
def test_keras_refuses_exactly_the_wrong_shortcuts():
    from generator.verify import keras_module, keras_rejects

    for seed in range(12):
        p = _draw("shortcut_choice", seed)
        c, side = p.model.input_shape[2], p.model.input_shape[0]
        stride, widen = map(int, p.variant.split(":")[1:])
        main = analyze(p.model).records[4].output_shape
        for _, layer in shortcut_options(c, c * widen, stride):
            refused = keras_rejects(with_shortcut(c, side, c * widen, stride, layer))
            assert (refused is None) == (shortcut_shape(c, side, layer) == main), (seed, layer, refused)
    keras_module().backend.clear_session()
