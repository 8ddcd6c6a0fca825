"""Engine == Keras: every layer's output shape and trainable/non-trainable counts, on hundreds of
random architectures across all difficulty levels and every layer type; and every invalid
geometry Keras rejects, the engine rejects."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from generator.engine import LAYER_TYPES, analyze
from generator.engine.layers import Merge, spatial_rank
from generator.errors import GeometryError
from generator.sampler import Difficulty, sample_models
from generator.spec import load_spec
from helpers import assert_like_keras, single_layer_specs, try_build

pytestmark = pytest.mark.keras

MODELS_PER_LEVEL = 120


@pytest.fixture(scope="module")
def verify():
    from generator import verify

    return verify


@pytest.mark.parametrize("level", list(Difficulty))
def test_sampled_architectures_agree_with_keras(verify, level):
    specs = sample_models(seed=20261125, count=MODELS_PER_LEVEL, difficulty=level)
    mismatches = verify.verify_all(analyze(s) for s in specs)
    assert not mismatches, "\n".join(map(str, mismatches[:10]))


def test_sampler_covers_every_layer_type():
    seen = Counter(
        layer.type_name
        for level in Difficulty
        for spec in sample_models(seed=20261125, count=MODELS_PER_LEVEL, difficulty=level)
        for layer in spec.layers
    )
    # Sequences and volumes: test_nd_keras.py; cropping, Permute, RepeatVector and ReLU are not drawn
    # into whole image models (the single-layer tests here and there check them against Keras), and
    # the merges other than ResNet's Add and Inception's Concatenate are drawn into random graphs
    # (test_graph_keras.py).
    images = {t for t in LAYER_TYPES if spatial_rank(t) == 2} - {"Cropping2D", "Permute", "ReLU"}
    images -= {t for t, cls in LAYER_TYPES.items() if issubclass(cls, Merge)} - {"Add", "Concatenate"}
    assert set(seen) == images, images ^ set(seen)
    assert min(seen.values()) >= 5, seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=single_layer_specs())
def test_single_layers_accept_and_reject_like_keras(verify, case):
    type_name, args, shape = case
    spec = try_build(type_name, args, shape)
    if isinstance(spec, str):
        # Refused when the spec is built (e.g. strides > 1 with dilation > 1): Keras refuses too.
        with pytest.raises(ValueError):
            getattr(verify.keras_module().layers, type_name)(**args)
        return
    assert_like_keras(verify, spec, case)


def test_example_specs_verify(verify):
    for name in ("seed_mnist.yaml", "seed_mnist.py", "advanced.yaml"):
        summary = analyze(load_spec(f"examples/{name}"))
        assert verify.compare(summary) == []


def test_activation_names_are_keras_own(verify):
    from generator.engine.args import ACTIVATIONS

    activations = verify.keras_module().activations
    for name in sorted(ACTIVATIONS):
        assert callable(activations.get(name)), name
    from keras.src.activations import ALL_OBJECTS_DICT

    assert set(ALL_OBJECTS_DICT) == set(ACTIVATIONS)
    with pytest.raises(ValueError):
        activations.get("nonsense")


def test_trainable_false_and_given_names_agree_with_keras(verify):
    from generator.spec import parse_python

    spec = parse_python(
        "model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3, trainable=False, name='stem'),"
        " layers.BatchNormalization(trainable=False), layers.Flatten(name='flat'), layers.Dense(10)])\n"
    )
    summary = analyze(spec)
    assert verify.compare(summary) == []
    assert [r.name for r in summary.records][:1] == ["stem"] and summary.records[1].trainable == 0


def test_an_empty_output_keras_builds_counts_as_refused(verify):
    """Found by the property test: Keras builds a transposed convolution whose output_padding
    formula gives 0 rows; the engine refuses it, and the agreement check says Keras did too."""
    spec = try_build("Conv2DTranspose", {"filters": 1, "kernel_size": 2, "padding": "same", "output_padding": 0},
                     (1, 1, 1))
    assert not isinstance(spec, str)
    with pytest.raises(GeometryError):
        analyze(spec)
    assert "empty output" in verify.keras_rejects(spec)
