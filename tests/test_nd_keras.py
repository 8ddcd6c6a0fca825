"""Sequences and volumes agree with Keras: random chains of 1-D and 3-D layers (accepted and
refused alike), and every question ``layers:`` can draw."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.engine import analyze
from generator.engine.model import ModelSpec
from generator.errors import SpecError
from generator.problems.slot import PARAM_LAYERS, SHAPE_LAYERS
from generator.sampler import Difficulty, sample_layer_of
from generator.spec import build_layer
from helpers import LAYER_ARGS, assert_like_keras, rank_of

pytestmark = pytest.mark.keras

WINDOWED = ("Conv{r}D", "MaxPooling{r}D", "AveragePooling{r}D", "ZeroPadding{r}D", "UpSampling{r}D")
HEADS = ("GlobalMaxPooling{r}D", "GlobalAveragePooling{r}D", "Flatten")


@pytest.fixture(scope="module")
def verify():
    from generator import verify

    return verify


@st.composite
def chains(draw: st.DrawFn) -> tuple[tuple[int, ...], list[tuple[str, dict[str, object]]]]:
    """An input of rank 1 or 3 (plus channels) and 1 to 5 layers of that rank, often a head and
    a Dense at the end; any geometry (a window larger than what is left is common)."""
    rank = draw(st.sampled_from([1, 3]))
    sides = draw(st.lists(st.integers(2, 24 if rank == 1 else 10), min_size=rank, max_size=rank))
    shape = (*sides, draw(st.sampled_from([1, 3, 8])))
    names = [n.format(r=rank) for n in draw(st.lists(st.sampled_from(WINDOWED), min_size=1, max_size=4))]
    if draw(st.booleans()):
        names += [draw(st.sampled_from(HEADS)).format(r=rank), "Dense"]
    return shape, [(n, draw(LAYER_ARGS[n])) for n in names]


@settings(max_examples=220, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=chains())
def test_random_sequence_and_volume_chains_agree_with_keras(verify, case):
    shape, entries = case
    try:
        spec = ModelSpec(shape, tuple(build_layer(n, dict(a), f"layer {i}") for i, (n, a) in enumerate(entries)))
    except SpecError:  # refused as arguments (strides with dilation): Keras refuses the first such layer too
        bad = next(i for i, (n, a) in enumerate(entries) if _refused(n, a))
        with pytest.raises(ValueError):
            getattr(verify.keras_module().layers, entries[bad][0])(**entries[bad][1])
        return
    assert_like_keras(verify, spec, case)


def _refused(name: str, args: dict[str, object]) -> bool:
    try:
        build_layer(name, dict(args), "x")
    except SpecError:
        return True
    return False


@pytest.mark.parametrize("type_name", sorted({t for t in (*SHAPE_LAYERS, *PARAM_LAYERS) if rank_of(t) != 2}))
def test_every_sequence_and_volume_question_agrees_with_keras(verify, type_name):
    specs = []
    for level in Difficulty:
        for seed in range(4):
            shape, layer = sample_layer_of(random.Random(seed), level, type_name)
            specs.append(analyze(ModelSpec(shape, (layer,))))
    mismatches = verify.verify_all(specs)
    assert not mismatches, "\n".join(map(str, mismatches[:5]))
