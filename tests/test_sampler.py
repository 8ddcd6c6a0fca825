"""The sampler: same seed, same model; always valid; each level teaches what it says."""

from __future__ import annotations

import random

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


def test_always_valid_and_ends_in_a_classifier():
    for level in Difficulty:
        for spec in sample_models(11, 400, level):
            summary = analyze(spec)  # raises on any invalid geometry
            assert len(summary.output_shape) == 1
            assert spec.input_shape in INPUT_SHAPES[level]
            assert spec.layers[-1].type_name == "Dense"


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
