"""Functional models agree with Keras: the straight-line ResNet-50, VGG16 and MobileNetV2 scripts
layer by layer, and 330 random graphs of blocks (residual, Inception-style, squeeze-and-excitation
gates), refused and accepted alike."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from generator.engine import analyze
from generator.errors import GeometryError
from generator.spec import load_spec, parse_python, spec_from_dict
from helpers import assert_like_keras, random_graph

pytestmark = pytest.mark.keras

DATA = Path(__file__).parent / "data" / "functional"


@pytest.fixture(scope="module")
def verify():
    from generator import verify

    return verify


@pytest.mark.parametrize(("script", "total"), [
    ("resnet50.py", 25_636_712), ("vgg16.py", 138_357_544), ("mobilenetv2_blocks.py", None),
])
def test_functional_scripts_agree_with_keras(verify, script: str, total: int | None) -> None:
    summary = analyze(load_spec(DATA / script))
    got = verify.keras_layers(summary.spec)
    assert verify.compare(summary, got) == []
    keras_total = sum(k.trainable + k.non_trainable for k in got)
    assert summary.total_params == keras_total
    if total is not None:
        assert keras_total == total
    verify.keras_module().backend.clear_session()


def test_keras_source_of_a_graph_builds_the_same_model(verify) -> None:
    """The code a worksheet prints for a functional model, read back, is the model Keras builds."""
    for seed in range(40):
        spec = spec_from_dict(random_graph(random.Random(seed)), "graph")
        try:
            summary = analyze(spec)
        except GeometryError:
            continue
        from generator.engine.formatting import keras_source

        again = parse_python(keras_source(spec), "code.py")
        assert again == spec
        assert verify.compare(summary) == []


@pytest.mark.parametrize("chunk", range(11))
def test_random_graphs_agree_with_keras(verify, chunk: int) -> None:
    accepted = refused = 0
    for seed in range(chunk * 30, chunk * 30 + 30):
        data = random_graph(random.Random(seed))
        spec = spec_from_dict(data, f"graph {seed}")
        assert_like_keras(verify, spec, (seed, data))
        try:
            analyze(spec)
            accepted += 1
        except GeometryError:
            refused += 1
    verify.keras_module().backend.clear_session()
    assert accepted >= 5 and refused >= 3, (accepted, refused)
