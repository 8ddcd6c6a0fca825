"""The cost rules: integer evaluators equal the sympy expressions and the worked forms; every
layer's multiply-adds come from them; memory adds up; cost steps stay out of the derivation."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.engine import analyze
from generator.engine import cost as C
from generator.engine.layers import (
    BatchNormalization,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    MaxPooling2D,
    Padding,
    SeparableConv2D,
)
from generator.engine.model import ModelSpec
from generator.engine.steps import Quantity
from generator.sampler import Difficulty, sample_models
from helpers import check_formula_views, eval_work, explain_mismatch

pos = st.integers(1, 40)
one_or_pos = st.one_of(st.just(1), pos)


def _dims(names: str, **special: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries({n: special.get(n, pos) for n in names.split()})


CASES = {
    "conv_macs": (C.CONV_MACS, st.fixed_dictionaries({
        "ho": pos, "wo": pos, "kh": pos, "kw": pos, "cin": st.sampled_from([2, 4, 8]),
        "f": pos, "g": st.sampled_from([1, 2])})),
    "conv_transpose_macs": (C.CONV_TRANSPOSE_MACS, _dims("h w kh kw cin f")),
    "depthwise_macs": (C.DEPTHWISE_MACS, _dims("ho wo kh kw cin m")),
    "separable_macs": (C.SEPARABLE_MACS, _dims("ho wo kh kw cin m f")),
    "dense_macs": (C.DENSE_MACS, _dims("h w cin u", h=one_or_pos, w=one_or_pos)),
    "value_macs": (C.VALUE_MACS, _dims("h w c", h=one_or_pos, w=one_or_pos)),
    "flops": (C.FLOPS, _dims("two m", two=st.just(2))),
    "pool_ops": (C.POOL_OPS, _dims("ho wo c kh kw")),
    "global_pool_ops": (C.GLOBAL_POOL_OPS, _dims("h w c")),
    "tensor_bytes": (C.TENSOR_BYTES, _dims("h w c b n", h=one_or_pos, w=one_or_pos)),
    "memory_bytes": (C.MEMORY_BYTES, _dims("v b n")),
    "param_bytes": (C.PARAM_BYTES, _dims("p n")),
}


def test_every_cost_formula_is_covered():
    assert set(CASES) == {f.name for f in C.FORMULAS}


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_integer_evaluator_equals_sympy_and_worked_form(data):
    check_formula_views(CASES, data)
    assert all(formula.latex() for formula, _ in CASES.values())


HAND_WORKED = [  # (layer, input shape, multiply-adds worked out by hand)
    (Conv2D(32, (3, 3)), (28, 28, 1), 26 * 26 * 9 * 32),
    (Conv2D(64, (3, 3), padding=Padding.SAME, groups=2), (8, 8, 16), 8 * 8 * 9 * 8 * 64),
    (Conv2D(4, (3, 3), dilation_rate=(2, 2)), (9, 9, 3), 5 * 5 * 27 * 4),
    (Conv2DTranspose(4, (5, 5), (2, 2)), (7, 7, 3), 7 * 7 * 25 * 3 * 4),
    (DepthwiseConv2D((3, 3), depth_multiplier=2), (8, 8, 3), 6 * 6 * 9 * 6),
    (SeparableConv2D(5, (3, 3)), (8, 8, 3), 6 * 6 * (27 + 15)),
    (Dense(10), (128,), 1280),
    (Dense(5), (8, 8, 3), 64 * 15),
    (BatchNormalization(), (4, 4, 8), 128),
    (MaxPooling2D(), (8, 8, 3), 0),
]


def test_multiply_adds_of_each_layer_type_worked_by_hand():
    for layer, shape, expected in HAND_WORKED:
        record = analyze(ModelSpec(shape, (layer,))).records[0]
        assert record.macs == expected, explain_mismatch(layer.describe(), shape, expected, record.macs)
        macs_steps = [s for s in C.cost_steps(record) if s.quantity is Quantity.MACS]
        assert [s.value for s in macs_steps] == [expected]
        if expected:
            assert eval_work(macs_steps[0].substituted) == expected


def test_flops_are_twice_the_multiply_adds_and_memory_adds_up():
    for level in Difficulty:
        for spec in sample_models(seed=11, count=40, difficulty=level):
            summary = analyze(spec)
            assert summary.total_flops == 2 * summary.total_macs
            values = math.prod(spec.input_shape) + sum(math.prod(r.output_shape) for r in summary.records)
            assert C.activation_memory(summary, batch=8) == values * 8 * 4
            assert C.parameter_memory(summary) == 4 * summary.total_params
            steps = C.memory_steps(summary, batch=8)
            per_tensor = [s.value for s in steps if s.quantity is Quantity.ACTIVATION_MEMORY][:-1]
            assert sum(per_tensor) == C.activation_memory(summary, batch=8)
            assert [eval_work(s.substituted) for s in steps] == [s.value for s in steps]


def test_cost_steps_stay_out_of_the_shape_and_parameter_derivation():
    spec = sample_models(seed=3, count=1, difficulty=Difficulty.ADVANCED)[0]
    for record in analyze(spec, explain=True).records:
        assert not {s.quantity for s in record.steps} & {Quantity.MACS, Quantity.FLOPS, Quantity.WINDOW_OPS}
        steps = C.cost_steps(record)
        assert steps[0].quantity is Quantity.MACS and steps[0].value == record.macs


def test_pooling_window_operations():
    rng = random.Random(5)
    for _ in range(50):
        k, n = rng.randint(1, 4), rng.randint(4, 30)
        record = analyze(ModelSpec((n, n, 3), (MaxPooling2D((k, k)),))).records[0]
        ho, wo, c = record.output_shape
        assert C.window_ops(record.layer, record.input_shape, record.output_shape) == ho * wo * c * k * k


def test_receptive_fields_equal_the_classic_rule_wherever_it_is_defined():
    from generator.engine.receptive import receptive_fields

    upsampled = 0
    for level in Difficulty:
        for spec in sample_models(seed=21, count=80, difficulty=level):
            records = analyze(spec).records
            for record, field in zip(records, receptive_fields(spec), strict=True):
                classic = record.receptive_field
                if classic is not None and field is not None:
                    assert field.size == classic.size, (spec, record.index)
                    assert field.jump == classic.jump
                elif field is not None:
                    upsampled += 1
                    upsamplers = {layer.type_name for layer in spec.layers[: record.index + 1]}
                    assert upsamplers & {"Conv2DTranspose", "UpSampling2D"} and field.size[0] >= 1
    assert upsampled


def test_receptive_field_after_upsampling_by_hand():
    from fractions import Fraction

    from generator.engine.layers import Conv2DTranspose, UpSampling2D
    from generator.engine.receptive import receptive_fields

    # 3x3 conv on 16 -> 14; upsample -> 28, centre 13 reads conv rows 6..6 -> input 6..8
    # then a 2x2 conv on 28 -> 27, centre 13 reads 13..14 -> upsampled rows 6..7 -> input 6..9.
    spec = ModelSpec((16, 16, 1), (Conv2D(1, (3, 3)), UpSampling2D(), Conv2D(1, (2, 2))))
    fields = receptive_fields(spec)
    assert [f.size[0] for f in fields if f] == [3, 3, 4]
    assert fields[2].window[0] == (6, 9) and fields[2].jump[0] == Fraction(1, 2)
    # a 1x1 transposed convolution of stride 2 leaves every other output untouched by the input
    gap = receptive_fields(ModelSpec((2, 2, 1), (Conv2DTranspose(1, (1, 1), (2, 2)),)))[0]
    assert gap is not None and gap.size == (0, 0) and gap.position == (1, 1)


def test_explain_reports_the_receptive_field_after_upsampling_and_transposed_layers():
    import json

    from generator.engine.formatting import to_json
    from generator.engine.layers import Conv2D, Conv2DTranspose, Flatten, UpSampling2D

    spec = ModelSpec((16, 16, 3), (Conv2D(8, (3, 3)), UpSampling2D((2, 2)), Conv2D(8, (3, 3)),
                                   Conv2DTranspose(4, (3, 3), (2, 2)), Flatten()))
    layers = json.loads(to_json(analyze(spec)))["layers"]
    assert [layer.get("receptive_field") for layer in layers][:3] == [[3, 3], [3, 3], [4, 4]]
    assert "receptive_field" in layers[3] and "receptive_field" not in layers[4]
