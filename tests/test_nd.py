"""1-D (sequence) and 3-D (volume) layers: the rank-generic engine's shapes, counts and worked
steps against hand-computed values, the spec readers, and the single-layer questions that
``layers:`` selects. (Agreement with Keras: test_nd_keras.py and test_keras_agreement.py.)"""

from __future__ import annotations

import random

import pytest

from generator.answers import normalize
from generator.engine import ModelSpec, analyze
from generator.engine.layers import (
    AveragePooling3D,
    Conv1D,
    Conv3D,
    Flatten,
    GlobalAveragePooling1D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling3D,
    Padding,
    UpSampling1D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding3D,
)
from generator.engine.steps import Quantity
from generator.errors import GeometryError, SpecError
from generator.key import ProblemType
from generator.problems import generate
from generator.problems.slot import PARAM_LAYERS, SHAPE_LAYERS, Slot
from generator.sampler import Difficulty, sample_layer_of
from generator.spec import load_spec, spec_from_dict
from helpers import rank_of

ND_SHAPE = [t for t in SHAPE_LAYERS if rank_of(t) != 2]
ND_PARAMS = [t for t in PARAM_LAYERS if rank_of(t) != 2]


def test_a_sequence_model_by_hand():
    """(100, 8) -> Conv1D(16, 3): 98 steps, 3*8*16 + 16 = 400; pooling 2 halves it; 'same' with
    stride 2 gives ceil(49/2) = 25; padding 1 and 2 adds 3; upsampling by 2 doubles."""
    spec = ModelSpec((100, 8), (Conv1D(16, (3,)), MaxPooling1D(), Conv1D(32, (5,), (2,), Padding.SAME),
                                ZeroPadding1D(((1, 2),)), UpSampling1D((2,)), GlobalAveragePooling1D()))
    records = analyze(spec).records
    assert [r.output_shape for r in records] == [(98, 16), (49, 16), (25, 32), (28, 32), (56, 32), (32,)]
    assert [r.params for r in records] == [400, 0, 5 * 16 * 32 + 32, 0, 0, 0]


def test_a_volume_model_by_hand():
    """C3D-style: (16, 112, 112, 3) -> Conv3D(64, 3, 'same') keeps the volume, 3*3*3*3*64 + 64 =
    5,248; MaxPooling3D((1, 2, 2)) keeps the 16 frames; a (2, 2, 2) pool halves all three."""
    spec = ModelSpec((16, 112, 112, 3), (Conv3D(64, (3, 3, 3), padding=Padding.SAME), MaxPooling3D((1, 2, 2)),
                                         Conv3D(128, (3, 3, 3)), AveragePooling3D(), ZeroPadding3D(((0, 0), (1, 1), (2, 2))),
                                         UpSampling3D((1, 2, 2)), GlobalMaxPooling3D()))
    records = analyze(spec).records
    assert [r.output_shape for r in records] == [
        (16, 112, 112, 64), (16, 56, 56, 64), (14, 54, 54, 128), (7, 27, 27, 128), (7, 29, 31, 128),
        (7, 58, 62, 128), (128,)]
    assert records[0].params == 5248 and records[2].params == 27 * 64 * 128 + 128


def test_flatten_multiplies_every_axis():
    assert analyze(ModelSpec((98, 16), (Flatten(),))).records[0].output_shape == (1568,)
    record = analyze(ModelSpec((2, 3, 3, 8), (Flatten(),)), explain=True).records[0]
    assert record.output_shape == (144,)
    assert any(s.formula == "N = D*H*W*C" and s.substituted == "2*3*3*8" for s in record.steps)


def test_worked_steps_name_the_axes_of_each_rank():
    """A sequence's step is its length; a volume with equal sides gets one line for all three,
    else one per axis: the quantities feedback points at."""
    seq = analyze(ModelSpec((100, 8), (Conv1D(16, (3,)),)), explain=True).records[0]
    assert seq.steps[0].quantity is Quantity.OUTPUT_LENGTH
    assert seq.steps[0].substituted == "floor((100 + 2*0 - 3)/1) + 1" and seq.steps[0].value == 98
    assert seq.steps[-1].formula == "P = k*C_in*C_out + C_out" and seq.steps[-1].substituted == "3*8*16 + 16"
    cube = analyze(ModelSpec((32, 32, 32, 1), (Conv3D(8, (3, 3, 3)),)), explain=True).records[0]
    assert cube.steps[0].quantity is Quantity.OUTPUT_SIDE and cube.steps[0].label == "output depth = height = width"
    assert cube.steps[-1].formula == "P = k_d*k_h*k_w*C_in*C_out + C_out"
    clip = analyze(ModelSpec((16, 64, 64, 3), (Conv3D(8, (3, 3, 3)),)), explain=True).records[0]
    assert [s.quantity for s in clip.steps[:3]] == [Quantity.OUTPUT_DEPTH, Quantity.OUTPUT_HEIGHT, Quantity.OUTPUT_WIDTH]
    assert Quantity.OUTPUT_DEPTH.axes(4) == (0,) and Quantity.OUTPUT_HEIGHT.axes(4) == (1,)
    assert Quantity.OUTPUT_LENGTH.axes(2) == (0,) and Quantity.OUTPUT_SIDE.axes(4) == (0, 1, 2)


@pytest.mark.parametrize(("layer", "shape", "needs"), [
    (Conv1D(8, (3,)), (28, 28, 1), "2-D (steps, C)"),
    (Conv3D(8, (3, 3, 3)), (28, 28, 1), "4-D (D, H, W, C)"),
    (MaxPooling1D(), (100,), "2-D (steps, C)"),
])
def test_a_layer_on_an_input_of_the_wrong_rank_is_refused(layer, shape, needs):
    with pytest.raises(GeometryError, match=rf"{layer.type_name} needs a {needs[:3]}"):
        analyze(ModelSpec(shape, (layer,)))


def test_yaml_and_python_specs_read_sequences_and_volumes(tmp_path):
    data = {"input_shape": [100, 8], "layers": [{"Conv1D": {"filters": 16, "kernel_size": 3, "strides": 2}},
                                                {"ZeroPadding1D": {"padding": [1, 2]}}, {"UpSampling1D": {"size": 2}}]}
    spec = spec_from_dict(data, "seq.yaml")
    assert spec.layers[0].kernel_size == (3,) and spec.layers[1].padding == ((1, 2),)
    assert spec_from_dict(spec.to_dict(), "again") == spec  # Keras' own form (ints) round-trips
    assert spec.to_dict()["layers"][0] == {"Conv1D": {"filters": 16, "kernel_size": 3, "strides": 2}}
    source = tmp_path / "c3d.py"
    source.write_text("import keras\nfrom keras import layers\nmodel = keras.Sequential([\n"
                      "    keras.Input(shape=(16, 112, 112, 3)),\n    layers.Conv3D(64, 3, padding='same'),\n"
                      "    layers.MaxPooling3D((1, 2, 2)),\n    layers.GlobalAveragePooling3D(),\n])\n", encoding="utf-8")
    assert [r.output_shape for r in analyze(load_spec(source)).records] == [(16, 112, 112, 64), (16, 56, 56, 64), (64,)]
    for bad, message in ((["Conv3D", {"filters": 8, "kernel_size": [3, 3]}], "a triple of positive integers"),
                         (["ZeroPadding3D", {"padding": [1, 2]}], "a triple of integers or of (before, after) pairs")):
        with pytest.raises(SpecError, match=r"^vol\.yaml: layer 0 \(" + bad[0] + r"\)") as info:
            spec_from_dict({"input_shape": [8, 8, 8, 1], "layers": [{bad[0]: bad[1]}]}, "vol.yaml")
        assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("type_name", ND_SHAPE + ND_PARAMS)
def test_layers_selects_sequence_and_volume_questions(type_name):
    """``layers: [Conv1D]`` (or any 1-D/3-D type) gives a question on an input of its rank, with
    answers the engine computes, named distractors and a worked solution."""
    kind = ProblemType.LAYER_PARAMS if type_name in ND_PARAMS and type_name not in ND_SHAPE else ProblemType.LAYER_SHAPE
    for seed in range(6):
        shape, layer = sample_layer_of(random.Random(seed), Difficulty.ADVANCED, type_name)
        assert layer.type_name == type_name and len(shape) == rank_of(type_name) + 1
        out = analyze(ModelSpec(shape, (layer,))).records[0].output_shape
        assert len(out) == 1 or min(out[:-1]) >= 2
        problem = generate(Slot(kind, layers=(type_name,)), random.Random(seed), Difficulty.STANDARD, "q1")
        blank = problem.blanks[0]
        assert problem.model.layers[0].type_name == type_name
        assert blank.answer not in {d.answer for d in blank.distractors}
        assert all(normalize(d.answer, blank.kind) == d.answer for d in blank.distractors)
        assert blank.steps and f"layers.{type_name}(" in problem.prompt


def test_volume_and_sequence_distractors_name_their_own_mistakes():
    problem = generate(Slot(ProblemType.LAYER_PARAMS, layers=("Conv1D",)), random.Random(2), Difficulty.STANDARD, "q1")
    assert "counted a k x k kernel (a Conv1D kernel is k steps long)" in {d.mistake for d in problem.blanks[0].distractors}
    for seed in range(20):
        problem = generate(Slot(ProblemType.LAYER_SHAPE, layers=("Conv3D",)), random.Random(seed), Difficulty.STANDARD, "q1")
        mistakes = {d.mistake for d in problem.blanks[0].distractors}
        if problem.model.layers[0].kernel_size[0] > 1:
            assert any("kept the depth" in m for m in mistakes), mistakes
            return
    raise AssertionError("no Conv3D with a deep kernel drawn")


def test_sequence_and_volume_keys_round_trip_and_match_the_schema():
    """Keys of 1-D and 3-D questions are written in the documented format (the session fixture
    validates every written key against docs/key.schema.json) and read back equal."""
    from generator.key import Key, KeyKind, Paper

    problems = tuple(
        generate(Slot(kind, layers=(t,)), random.Random(i), Difficulty.ADVANCED, f"q{i}")
        for i, (kind, t) in enumerate([(ProblemType.LAYER_SHAPE, t) for t in ND_SHAPE]
                                      + [(ProblemType.LAYER_PARAMS, t) for t in ND_PARAMS]))
    key = Key(KeyKind.WORKSHEET, "Sequences and volumes", (Paper.shared(problems),), seed=1)
    again = Key.from_json(key.to_json(), "key.json")
    assert again.papers[0].problems == tuple(key.papers[0].problems)


def test_cropping_permute_and_repeat_vector_by_hand():
    """U-Net's crop of a 64x64 encoder map by 4 on each side gives 56x56; Cropping1D((2, 3))
    takes 5 steps; Permute((2, 1)) swaps steps and channels; RepeatVector(4) makes 4 steps of a
    flat vector; Reshape reaches any rank."""
    from generator.engine.layers import (
        Cropping1D,
        Cropping2D,
        Cropping3D,
        Permute,
        RepeatVector,
        Reshape,
    )

    crop = analyze(ModelSpec((64, 64, 32), (Cropping2D(((4, 4), (4, 4))),)), explain=True).records[0]
    assert crop.output_shape == (56, 56, 32) and crop.params == 0
    assert crop.steps[0].formula == "o = n - c_before - c_after" and crop.steps[0].substituted == "64 - 4 - 4"
    records = analyze(ModelSpec((100, 8), (Cropping1D(((2, 3),)), Permute((2, 1)), Flatten(), RepeatVector(4),
                                           Reshape((-1, 2))))).records
    assert [r.output_shape for r in records] == [(95, 8), (8, 95), (760,), (4, 760), (1520, 2)]
    assert analyze(ModelSpec((8, 28, 28, 3), (Cropping3D(),))).records[0].output_shape == (6, 26, 26, 3)
    for layer, shape in ((Cropping2D(((14, 14), (0, 0))), (28, 28, 1)), (RepeatVector(3), (4, 4)),
                         (Permute((2, 1)), (4, 4, 4))):
        with pytest.raises(GeometryError):
            analyze(ModelSpec(shape, (layer,)))
    with pytest.raises(SpecError, match="expected a permutation"):
        spec_from_dict({"input_shape": [4, 4], "layers": [{"Permute": {"dims": [1, 1]}}]}, "p.yaml")


def test_exam_difficulty_scores_every_rank():
    """An exam balances its variants by a difficulty score, which reads kernels of any rank."""
    from generator.problems.difficulty import rare_features, score

    for kind, types in ((ProblemType.LAYER_SHAPE, ND_SHAPE), (ProblemType.LAYER_PARAMS, ND_PARAMS)):
        for i, t in enumerate(types):
            problem = generate(Slot(kind, layers=(t,)), random.Random(i), Difficulty.ADVANCED, f"q{i}")
            assert score(problem) > 0 and rare_features(problem) >= 0
