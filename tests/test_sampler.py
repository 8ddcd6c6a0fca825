"""The sampler: same seed, same model; always valid; each level teaches what it says."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from generator.engine import analyze
from generator.engine.layers import Padding
from generator.sampler import INPUT_SHAPES, Difficulty, sample_model, sample_models


def test_same_seed_same_models_and_seeds_differ():
    assert sample_models(3, 20, "advanced") == sample_models(3, 20, "advanced")
    assert sample_models(3, 20, "advanced") != sample_models(4, 20, "advanced")
    assert len(set(sample_models(5, 50, "standard"))) == 50


def test_no_global_random_state_is_used():
    random.seed(1)
    a = sample_model(random.Random(9), "standard")
    random.seed(2)
    b = sample_model(random.Random(9), "standard")
    assert a == b


HEAD = ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D")
UPWARD = ("Conv2DTranspose", "UpSampling2D")


def _check_realistic(spec) -> str:
    """Which kind of network ``spec`` is, after asserting the invariants real networks keep."""
    records = analyze(spec).records  # raises on any invalid geometry
    if len(spec.input_shape) == 1:  # a generator: noise -> Dense -> Reshape -> upsampling
        assert [r.type_name for r in records[:4]] == ["Dense", "BatchNormalization", "Activation", "Reshape"]
        sides = [r.output_shape[0] for r in records[4:]]
        assert sides == sorted(sides) and len(records[-1].output_shape) == 3
        return "generator"
    if len(records[-1].output_shape) == 3:  # an encoder-decoder: down to a bottleneck, then up
        sides = [r.output_shape[0] for r in records]
        bottom = sides.index(min(sides))
        assert sides[:bottom + 1] == sorted(sides[:bottom + 1], reverse=True) and sides[bottom:] == sorted(sides[bottom:])
        assert records[-1].output_shape[:2] == spec.input_shape[:2]
        assert not any(r.type_name in UPWARD for r in records[:bottom + 1])
        return "decoder"
    head = next(i for i, r in enumerate(records) if len(r.output_shape) == 1)
    assert records[head].type_name in HEAD, spec
    assert all(r.type_name in ("Dense", "Dropout") for r in records[head + 1:]) and records[-1].type_name == "Dense"
    body = records[:head]
    assert not any(r.type_name in UPWARD for r in body)
    size = spec.input_shape[:2]
    for after in body:  # each layer against what it takes (the layer before, or in a graph its inputs)
        if after.type_name == "ZeroPadding2D":  # a border for the next window, not a bigger map
            continue
        size = max(s[:2] for s in after.input_shapes) if after.input_shapes else after.input_shape[:2]
        assert after.output_shape[0] <= size[0] and after.output_shape[1] <= size[1], spec
        channels_in = max(s[2] for s in after.input_shapes) if after.input_shapes else after.input_shape[2]
        if after.index and after.output_shape[2] < channels_in:  # only a 1x1 bottleneck shrinks channels
            assert after.type_name == "Conv2D" and after.layer.kernel_size == (1, 1), spec
    return "classifier"


def test_a_thousand_models_keep_the_invariants_of_real_networks():
    kinds = Counter()
    for seed in range(1000):
        level = list(Difficulty)[seed % 3]
        spec = sample_model(random.Random(seed), level)
        kinds[(level, _check_realistic(spec))] += 1
        if len(spec.input_shape) == 3:
            assert spec.input_shape in INPUT_SHAPES[level]
    assert set(kinds) == {(Difficulty.INTRO, "classifier"), (Difficulty.STANDARD, "classifier"),
                          (Difficulty.ADVANCED, "classifier"), (Difficulty.ADVANCED, "decoder"),
                          (Difficulty.ADVANCED, "generator")}, kinds


def test_the_invariant_check_catches_an_unrealistic_model():
    from generator.engine import ModelSpec
    from generator.engine.layers import Conv2D, Dense, Flatten

    shrinking = ModelSpec((32, 32, 3), (Conv2D(64, (3, 3)), Conv2D(16, (3, 3)), Flatten(), Dense(10)))
    with pytest.raises(AssertionError):
        _check_realistic(shrinking)


def test_intro_is_like_the_seed():
    for spec in sample_models(12, 200, "intro"):
        assert {layer.type_name for layer in spec.layers} <= {"Conv2D", "MaxPooling2D", "Flatten", "Dense"}
        for layer in spec.layers:
            if layer.type_name == "Conv2D":
                assert layer.kernel_size in ((3, 3), (5, 5))
                assert layer.strides == (1, 1) and layer.padding is Padding.VALID


def test_standard_uses_strides_same_and_rectangular_kernels():
    convs = [layer for spec in sample_models(13, 200, "standard") for layer in spec.layers
             if layer.type_name == "Conv2D"]
    assert any(c.strides != (1, 1) for c in convs)
    assert any(c.padding is Padding.SAME for c in convs)
    assert any(c.kernel_size[0] != c.kernel_size[1] for c in convs)
