"""Worksheets, exams and grading in PyTorch's flavour (``framework: pytorch``), without torch:
the converter, every PyTorch problem type, configs, keys, and ``check`` on PyTorch shapes.
``test_pytorch_torch.py`` verifies the same problems against torch."""

from __future__ import annotations

import random

import pytest

from conftest import REPO
from generator.answers import normalize
from generator.configs import config_from_dict, exam_config_from_dict, load_config
from generator.engine import analyze
from generator.errors import UserError
from generator.grading.answers import AnswerRow, AnswerSheet
from generator.grading.grade import Policy, grade
from generator.key import Key, KeyKind, Paper, ProblemType
from generator.problems import generate
from generator.problems.pytorch_topics import TORCH_CONCEPTS
from generator.problems.slot import Slot
from generator.pytorch.convert import to_torch
from generator.sampler import Difficulty, sample_family_model
from generator.zoo import ZOO
from helpers import exam_key

LEVELS = list(Difficulty)


def test_converted_models_keep_keras_shapes_channels_first():
    """Every sampled model PyTorch can match ends in the same shape, channels first, with the same
    parameters except batch normalization's (Keras 4C, PyTorch 2C and 2C + 1 buffers)."""
    rng = random.Random(3)
    converted = 0
    for i in range(150):
        _, keras = sample_family_model(rng, LEVELS[i % 3], name="m")
        torch = to_torch(keras)
        if torch is None:
            continue
        converted += 1
        k, t = analyze(keras), analyze(torch)
        want = k.output_shape
        assert t.output_shape == ((want[-1], *want[:-1]) if len(want) > 1 else want)
        norms = [r for r in k.records if r.type_name == "BatchNormalization"]
        bn = sum(r.params for r in norms)  # Keras: 4C each
        assert t.total_params == k.total_params - bn // 2
        assert t.buffers == bn // 2 + len(norms)  # PyTorch: 2C + 1 buffers each
    assert converted > 100


def test_the_zoo_converts_with_the_published_counts():
    assert analyze(to_torch(ZOO["vgg16"].spec)).total_params == 138_357_544
    assert analyze(to_torch(ZOO["lenet5"].spec)).total_params == 61_706
    assert to_torch(ZOO["resnet_basic_block"].spec) is None  # a graph: no nn.Sequential


def _torch(kind: ProblemType, **pins: object) -> Slot:
    return Slot(kind, framework="pytorch", **pins)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [ProblemType.SUMMARY_TABLE, ProblemType.LAYER_SHAPE, ProblemType.LAYER_PARAMS])
def test_every_pytorch_problem_is_keyed_batch_first_and_round_trips_through_the_key(kind):
    problems = [generate(_torch(kind), random.Random(seed), LEVELS[seed % 3], f"p{seed}") for seed in range(30)]
    for problem in problems:
        assert problem.model.is_torch
        for b in problem.blanks:
            if b.kind == "shape":
                assert b.batch == problem.model.batch_size and b.answer.startswith(f"{b.batch}x")
                assert b.shown.startswith(f"[{b.batch}, ") and b.accepted[1] == b.answer.split("x", 1)[1]
        assert "nn." in problem.code or kind is not ProblemType.SUMMARY_TABLE
    text = Key(KeyKind.WORKSHEET, "t", (Paper.shared(tuple(problems)),), 1).to_json()
    assert Key.from_json(text, "k.json").problems == tuple(problems)  # the key's reader reads back every field


@pytest.mark.parametrize("topic", list(TORCH_CONCEPTS))
def test_pytorch_concept_questions(topic):
    for seed in range(25):
        problem = generate(_torch(ProblemType.CONCEPT, topic=topic), random.Random(seed), LEVELS[seed % 3], "q")
        assert problem.variant == topic
        if topic == "in_features":
            linear = problem.model.layers[problem.blanks[0].layer]
            assert int(problem.blanks[0].answer) == linear.in_features and "nn.Linear(???," in problem.code
        elif topic == "keep_size_padding":
            record = analyze(problem.model).records[0]
            assert record.output_shape[1:] == problem.model.input_shape[1:]
            assert int(problem.blanks[0].answer) == record.layer.padding[0]
        elif topic == "framework_counts":
            keras, torch, buffers = problem.blanks
            norms = [layer.num_features for layer in problem.model.layers if type(layer).__name__ == "BatchNorm2d"]
            assert int(keras.answer) - int(torch.answer) == 2 * sum(norms) and int(buffers.answer) == 2 * sum(norms) + len(norms)
            assert keras.model is not None and not keras.model.is_torch and "# Keras" in problem.code
        else:
            off, on = problem.blanks
            assert off.answer != on.answer and off.model is not None and not off.model.layers[0].ceil_mode


def test_the_default_config_has_a_pytorch_worksheet():
    config = load_config(REPO / "configs" / "default.yaml")
    sheets = [s for s in config.worksheets if s.framework == "pytorch"]
    assert len(sheets) == 1 and all(slot.framework == "pytorch" for slot in sheets[0].slots)
    assert sheets[0].slots[0].model is not None and sheets[0].slots[0].model.name == "Net"


@pytest.mark.parametrize("sheet, message", [
    ({"framework": "tensorflow"}, "framework: expected keras or pytorch"),
    ({"problems": [{"type": "inverse"}]}, "PyTorch's flavour asks summary_table, layer_shape, layer_params"),
    ({"problems": [{"type": "concept", "topic": "macs"}]}, "(PyTorch's topics)"),
    ({"problems": [{"type": "layer_shape", "layers": ["Conv2D"]}]}, "expected layer types from Conv2d"),
    ({"problems": [{"type": "layer_shape", "model": "zoo:lenet5"}]}, "only a summary_table problem is about a given model"),
])
def test_pytorch_config_mistakes_are_one_line(sheet, message):
    ws = {"name": "t", "framework": "pytorch", "problems": [{"type": "summary_table"}], **sheet}
    with pytest.raises(UserError) as info:
        config_from_dict({"worksheets": [ws]}, "c.yaml")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_keras_slot_draws_what_it_drew_before():
    """A PyTorch slot draws from its own stream; a Keras slot's identity is unchanged."""
    assert Slot(ProblemType.INVERSE, find="stride", seed=2).identity() == "inverse|stride||||2"
    assert _torch(ProblemType.INVERSE).identity().endswith("|pytorch")


@pytest.fixture(scope="module")
def torch_exam():
    return exam_key(3, seed=7, config=str(REPO / "configs" / "exam-pytorch.yaml"))


def _rows(key: Key, answer_of) -> AnswerSheet:
    rows = []
    for paper in key.papers:
        for problem in paper.problems:
            for b in problem.blanks:
                rows.append(AnswerRow(len(rows) + 2, paper.student.id, f"{problem.id}.{b.id}", answer_of(problem, b)))
    return AnswerSheet("answers.csv", tuple(rows))


@pytest.mark.parametrize("form", ["[{}]", "({})", "{}x", "N, {}"])
def test_check_accepts_pytorch_shapes_as_students_write_them(torch_exam, form):
    def written(problem, b):
        if b.kind != "shape":
            return b.answer
        axes = b.answer.split("x")
        if form == "{}x":
            return "x".join(axes)
        if form == "N, {}":
            return "N, " + ", ".join(axes[1:])
        return form.format(", ".join(axes))

    report = grade(torch_exam, _rows(torch_exam, written), "key.json")
    assert all(q.status.value == "right" for s in report.students for q in s.questions)


def test_follow_through_recomputes_a_pytorch_module_from_the_students_own_shape(torch_exam):
    problem = torch_exam.papers[0].problems[0]
    assert problem.type is ProblemType.SUMMARY_TABLE
    first, second = [b for b in problem.blanks if b.kind == "shape"][:2]
    wrong_first = first.answer.split("x")
    wrong_first[-1] = str(int(wrong_first[-1]) + 2)  # a width off by two
    from generator.grading.grade import _given

    upstream = tuple(int(v) for v in wrong_first[1:])
    own = _given(problem.model.layers[second.layer], upstream)
    if own is None or "x".join(map(str, (first.batch, *own.output_shape))) == second.answer:
        pytest.skip("this draw's second module gives the key's answer from the wrong width too")

    def answer_of(p, b):
        if p is problem and b.id == first.id:
            return "[" + ", ".join(wrong_first) + "]"
        if p is problem and b.id == second.id:
            return "[" + ", ".join(map(str, (first.batch, *own.output_shape))) + "]"
        return b.answer

    report = grade(torch_exam, _rows(torch_exam, answer_of), "key.json", Policy.of(torch_exam, "full"))
    results = {q.question_id: q for q in report.students[0].questions}
    assert results[f"{problem.id}.{second.id}"].credit is not None
    assert results[f"{problem.id}.{second.id}"].credit.reason.value == "follow_through"


def test_a_pytorch_exam_config_reads_with_its_own_instructions():
    config = exam_config_from_dict({"framework": "pytorch", "problems": [{"type": "summary_table"}]}, "e.yaml")
    assert "[64, 32, 26, 26]" in config.instructions and config.problems[0].slot.framework == "pytorch"
    assert normalize("[64, 32, 26, 26]", "shape") == "64x32x26x26"


@pytest.mark.keras
def test_the_keras_side_of_a_comparison_is_what_keras_counts():
    from generator.verify import keras_layers

    for seed in range(6):
        problem = generate(_torch(ProblemType.CONCEPT, topic="framework_counts"), random.Random(seed), "standard", "q")
        keras = problem.blanks[0]
        assert keras.model is not None
        assert sum(k.trainable + k.non_trainable for k in keras_layers(keras.model)) == int(keras.answer)
