"""The engine's costs and receptive fields against TensorFlow, on random sampled models.

* FLOPs: TensorFlow's profiler (``float_operation()``) on the graph of each model at batch
  size 1, per layer and per op type, with every convention difference of ``docs/costs.md``
  written out exactly (bias additions, activations, BatchNormalization's per-channel folding,
  dilation's space-to-batch, Conv2DTranspose's estimate).
* Receptive field: the gradient of the central output unit with respect to the input, in the
  model's sliding-window part rebuilt with positive weights, reaches exactly the engine's
  window.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from generator.engine import analyze
from generator.engine.cost import window_ops
from generator.engine.layers import (
    Activation,
    Add,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    Dropout,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    Layer,
    MaxPooling2D,
    Padding,
    Pooling2D,
    SeparableConv2D,
    UpSampling2D,
    ZeroPadding2D,
)
from generator.engine.model import LayerRecord, ModelSpec
from generator.engine.receptive import field_spans, receptive_fields
from generator.sampler import Difficulty, sample_models

pytestmark = pytest.mark.keras

MODELS_PER_LEVEL = 70
UPSAMPLING = ("Conv2DTranspose", "UpSampling2D")


@pytest.fixture(scope="module")
def tf() -> Any:
    from generator import verify

    verify.keras_module()
    import tensorflow

    return tensorflow


def _models() -> list[ModelSpec]:
    return [s for level in Difficulty for s in sample_models(20261201, MODELS_PER_LEVEL, level)]


# ---------------------------------------------------------------- FLOPs vs the profiler

ACTIVATION_OPS = {"relu": {}, "relu6": {}, "tanh": {}, "sigmoid": {}, "leaky_relu": {}, None: {},
                  "swish": {"Mul": 2}, "softmax": {"Softmax": 5}}
"""TensorFlow's count per output value of each activation (by op type): ReLU, ReLU6, tanh, sigmoid and
leaky ReLU are not counted; Keras' swish is ``x * sigmoid(x)`` with a scalar beta (two Mul);
TensorFlow counts softmax as 5 per value. (The activations the sampler uses.)"""


EXTRA = [  # conventions the sampler draws rarely
    ModelSpec((9, 9, 4), (Conv2D(8, (3, 3), groups=4, dilation_rate=(2, 1), activation="relu"),
                          BatchNormalization(scale=False), Activation("swish"), GlobalMaxPooling2D(),
                          Dense(3, activation="softmax"))),
    ModelSpec((11, 10, 3), (DepthwiseConv2D((3, 3), padding=Padding.SAME, dilation_rate=(3, 2)),
                            SeparableConv2D(5, (3, 3), dilation_rate=(2, 2), depth_multiplier=2),
                            Conv2DTranspose(4, (3, 3), (2, 2), Padding.SAME, output_padding=(1, 1)),
                            Conv2DTranspose(4, (5, 5), (3, 3)), BatchNormalization(center=False),
                            AveragePooling2D((3, 3), (2, 2), Padding.SAME), Dense(8), Conv2D(2, (1, 1), groups=2))),
]


def _space_to_batch_side(n: int, k: int, d: int, same: bool) -> int:
    """Output side TensorFlow's profiler sees for a dilated convolution: ``with_space_to_batch``
    pads the input (by the 'same' padding, then up to a multiple of ``d``) and runs a 'valid'
    convolution of the undilated kernel on each of the ``d`` phases."""
    padded = n + (d * (k - 1) if same else 0)
    padded = -(-padded // d) * d
    return padded - d * (k - 1)


def _dilated(record: LayerRecord, flops: int) -> int:
    """``flops`` (of the true output) as TensorFlow counts them for a dilated layer."""
    layer = record.layer
    assert isinstance(layer, Conv2D | DepthwiseConv2D | SeparableConv2D)
    if layer.dilation_rate == (1, 1):
        return flops
    assert layer.strides == (1, 1), "the sampler dilates at stride 1 only"
    same = layer.padding is Padding.SAME
    sides = [_space_to_batch_side(record.input_shape[a], layer.kernel_size[a], layer.dilation_rate[a], same)
             for a in (0, 1)]
    ho, wo = record.output_shape[:2]
    assert flops % (ho * wo) == 0
    return flops // (ho * wo) * sides[0] * sides[1]


def expected_tf_flops(record: LayerRecord) -> Counter[str]:
    """What TensorFlow's profiler counts for one layer, by op type, from the engine's numbers
    and the conventions of ``docs/costs.md``."""
    layer, out = record.layer, Counter[str]()
    values = math.prod(record.output_shape)
    if isinstance(layer, Conv2D):
        out["Conv2D"] = _dilated(record, 2 * record.macs)
    elif isinstance(layer, DepthwiseConv2D):
        out["DepthwiseConv2dNative"] = _dilated(record, 2 * record.macs)
    elif isinstance(layer, SeparableConv2D):
        ho, wo, f = record.output_shape
        pointwise = ho * wo * record.input_shape[-1] * layer.depth_multiplier * f
        out["DepthwiseConv2dNative"] = _dilated(record, 2 * (record.macs - pointwise))
        out["Conv2D"] = 2 * pointwise
    elif isinstance(layer, Conv2DTranspose):
        # TensorFlow estimates 2 * output values * kernel weights / (C_out * s_h * s_w); we count
        # H_in*W_in*k_h*k_w*C_in*filters, the same when the output is exactly input * strides.
        (kh, kw), (sh, sw) = layer.kernel_size, layer.strides
        h, w, c = record.input_shape
        assert record.macs == h * w * kh * kw * c * layer.filters
        out["Conv2DBackpropInput"] = 2 * values * kh * kw * c // (sh * sw)
    elif isinstance(layer, Dense):
        out["MatMul"] = 2 * record.macs
    elif isinstance(layer, BatchNormalization):
        # x * (gamma / sqrt(var + eps)) + (beta - mean * ...): the per-value Mul and AddV2 are our
        # multiply-adds; the per-channel folding (a constant at inference) we do not count.
        c = record.output_shape[-1]
        assert record.macs == values
        out.update({"Mul": values + c * (1 + layer.scale), "AddV2": values + c, "Rsqrt": 2 * c,
                    "Sub" if layer.center else "Neg": c})
    elif isinstance(layer, MaxPooling2D | AveragePooling2D):
        out["MaxPool" if isinstance(layer, MaxPooling2D) else "AvgPool"] = window_ops(
            layer, record.input_shape, record.output_shape)
    elif isinstance(layer, GlobalAveragePooling2D):  # TensorFlow does not count GlobalMax's Max
        out["Mean"] = window_ops(layer, record.input_shape, record.output_shape)
    elif isinstance(layer, Add):  # a residual connection's additions: counted by TensorFlow, not by us
        out["AddV2"] = values * (len(record.sources) - 1)
    if getattr(layer, "use_bias", False):  # bias additions: counted by TensorFlow, not by us
        # (Keras adds a bias of one channel, which cannot squeeze to a vector, with AddV2)
        out["BiasAdd" if record.output_shape[-1] > 1 else "AddV2"] += values
    for op, per_value in ACTIVATION_OPS[getattr(layer, "activation", None)].items():
        out[op] += per_value * values
    return +out


def _named(spec: ModelSpec) -> ModelSpec:
    """``spec`` with layers named ``l{index}x``, to find each op's layer in the graph."""
    return replace(spec, layers=tuple(replace(layer, name=f"l{i}x") for i, layer in enumerate(spec.layers)))


def profiled_flops(tf: Any, graph: Any) -> tuple[int, list[tuple[str, str, int]]]:
    """TensorFlow's total, and (op name, op type, float ops) of each floating-point op that
    counts, those in functions the graph calls (Keras compiles grouped convolutions with XLA)
    included, named after the calling op."""
    profiler = tf.compat.v1.profiler
    options = profiler.ProfileOptionBuilder(profiler.ProfileOptionBuilder.float_operation()).with_empty_output().build()
    root = profiler.profile(graph, options=options, cmd="scope")
    nodes, stack = [], [root]
    while stack:
        node = stack.pop()
        stack += node.children
        if node.float_ops:
            op = graph.get_operation_by_name(node.name)
            if op.outputs[0].dtype.is_floating:  # not the shape arithmetic of UpSampling2D
                nodes.append((node.name, op.type, node.float_ops))
    for op in graph.get_operations():
        if op.type in ("PartitionedCall", "StatefulPartitionedCall"):
            inner = graph._functions[op.get_attr("f").name].graph  # noqa: SLF001 - no public way
            _total, called = profiled_flops(tf, inner)
            nodes += [(op.name, op_type, flops) for _name, op_type, flops in called]
    return root.total_float_ops, nodes


def test_flops_agree_with_tensorflows_profiler(tf):
    from generator.verify import build_keras_model

    seen: Counter[str] = Counter()
    for spec in [*_models(), *EXTRA]:
        spec = _named(spec)
        summary = analyze(spec)
        model = build_keras_model(spec)
        function = tf.function(lambda x, model=model: model(x, training=False))
        graph = function.get_concrete_function(tf.TensorSpec((1, *spec.input_shape), tf.float32)).graph
        total, nodes = profiled_flops(tf, graph)
        got: dict[int, Counter[str]] = {r.index: Counter() for r in summary.records}
        for name, op_type, flops in nodes:
            match = re.search(r"/l(\d+)x(_\d+)?/", "/" + name + "/") or re.search(r"/l(\d+)x", name)
            assert match, f"{spec.name}: op {name} belongs to no layer"
            got[int(match.group(1))][op_type] += flops
        for record in summary.records:
            expected = expected_tf_flops(record)
            assert got[record.index] == expected, (
                f"{spec.name} layer {record.index} {record.layer.describe()} on {record.input_shape}: "
                f"TensorFlow counted {dict(got[record.index])}, expected {dict(expected)}")
            seen[record.type_name] += 1
            seen["grouped"] += getattr(record.layer, "groups", 1) > 1
            seen["dilated"] += getattr(record.layer, "dilation_rate", (1, 1)) != (1, 1)
        assert total >= sum(f for _n, _t, f in nodes if "PartitionedCall" not in _n)
        assert summary.total_flops == 2 * summary.total_macs
    assert min(seen[t] for t in ("grouped", "dilated", "Conv2DTranspose", "UpSampling2D", "Dense")) >= 2, seen


# ---------------------------------------------------------------- receptive field vs gradients


def _positive(layer: Layer) -> Layer | None:
    """The layer with one channel, no bias and no activation (max pooling as average pooling of
    the same geometry: its gradient reaches one pixel only); None for layers that leave the
    receptive field as it is (dropped)."""
    if isinstance(layer, Conv2D):
        return replace(layer, filters=1, groups=1, use_bias=False, activation=None, name=None)
    if isinstance(layer, Conv2DTranspose | SeparableConv2D):
        extra = {"depth_multiplier": 1} if isinstance(layer, SeparableConv2D) else {}
        return replace(layer, filters=1, use_bias=False, activation=None, name=None, **extra)
    if isinstance(layer, DepthwiseConv2D):
        return replace(layer, depth_multiplier=1, use_bias=False, activation=None, name=None)
    if isinstance(layer, Pooling2D):
        return AveragePooling2D(layer.pool_size, layer.strides, layer.padding)
    if isinstance(layer, UpSampling2D | ZeroPadding2D):
        return replace(layer, name=None)
    assert isinstance(layer, BatchNormalization | Activation | Dropout)
    return None


def spatial_part(spec: ModelSpec) -> ModelSpec | None:
    """The first run of layers that keep a 3-D map (up to Flatten, global pooling, Dense or
    Reshape), from the image or from a Reshape to 3-D, rebuilt with :func:`_positive` on a
    one-channel input; None when it has no window."""
    if spec.is_graph:  # receptive fields are worked out for Sequential models only
        return None
    records = analyze(spec).records
    start, shape = 0, spec.input_shape
    if len(shape) != 3:
        reshape = next((r for r in records if r.type_name == "Reshape" and len(r.output_shape) == 3), None)
        if reshape is None:
            return None
        start, shape = reshape.index + 1, reshape.output_shape
    layers = []
    for r in records[start:]:
        if r.type_name in ("Flatten", "Dense", "Reshape", "GlobalMaxPooling2D", "GlobalAveragePooling2D"):
            break
        if (positive := _positive(r.layer)) is not None:
            layers.append(positive)
    if not any(layer.window() is not None or layer.type_name in UPSAMPLING for layer in layers):
        return None
    return ModelSpec((shape[0], shape[1], 1), tuple(layers), spec.name)


def unclipped(spec: ModelSpec) -> ModelSpec:
    """``spec`` on the smallest input, growing from its own, on which every map its last
    central unit reads lies inside that map (no padding reached)."""
    h, w, _ = spec.input_shape
    while True:
        bigger = replace(spec, input_shape=(h, w, 1))
        summary = analyze(bigger)
        field = receptive_fields(bigger)[-1]
        assert field is not None
        spans = field_spans(bigger, len(spec.layers) - 1, field.position)
        shapes = [bigger.input_shape, *(r.output_shape for r in summary.records)]
        if all(rows[0] >= 0 and rows[1] < shape[0] and cols[0] >= 0 and cols[1] < shape[1]
               for (rows, cols), shape in zip(spans, shapes, strict=True)):
            return bigger
        h, w = h + max(h // 2, 4), w + max(w // 2, 4)


def _prefixes() -> list[ModelSpec]:
    """The spatial parts of the sampled models, and of extra advanced models with upsampling
    until there are at least 40 of those."""
    parts = [p for s in _models() if (p := spatial_part(s)) is not None]
    rng = random.Random(7)
    while sum(any(layer.type_name in UPSAMPLING for layer in p.layers) for p in parts) < 40:
        spec = sample_models(rng.randrange(10**9), 1, Difficulty.ADVANCED)[0]
        if any(layer.type_name in UPSAMPLING for layer in spec.layers) and (p := spatial_part(spec)):
            parts.append(p)
    return parts


def test_receptive_field_equals_the_reach_of_the_gradient(tf):
    from generator.verify import build_keras_model

    parts = _prefixes()
    assert len(parts) >= 200
    upsampled = 0
    for part in parts:
        spec = unclipped(part)
        field = receptive_fields(spec)[-1]
        assert field is not None
        model = build_keras_model(spec)
        for layer in model.layers:
            layer.set_weights([w * 0 + 1 for w in layer.get_weights()])
        x = tf.ones((1, *spec.input_shape))
        with tf.GradientTape() as tape:
            tape.watch(x)
            unit = model(x)[0, field.position[0], field.position[1], 0]
        grad = tape.gradient(unit, x).numpy()[0, :, :, 0]
        rows, cols = grad.any(axis=1).nonzero()[0], grad.any(axis=0).nonzero()[0]
        where = f"{part.name}: {[x.describe() for x in spec.layers]} on {spec.input_shape}"
        if not rows.size:  # no input pixel reaches the unit
            assert 0 in field.size, where
            continue
        reach = ((int(rows.min()), int(rows.max())), (int(cols.min()), int(cols.max())))
        assert reach == field.window, where
        assert field.size == (reach[0][1] - reach[0][0] + 1, reach[1][1] - reach[1][0] + 1)
        classic = analyze(spec).records[-1].receptive_field
        assert classic is None or classic.size == field.size
        upsampled += any(layer.type_name in UPSAMPLING for layer in spec.layers)
    assert upsampled >= 40
