"""What a forward pass costs: multiply-adds (MACs), FLOPs, pooling's window operations, and the
memory of activations and parameters. Pure integer functions; each rule is a registered
:class:`~generator.engine.formula.Formula` (sympy expression, exact integer evaluator, worked
form), and the worked steps come from the same :class:`~generator.engine.steps.Tracer` path as
the numbers, so the two cannot disagree.

Conventions (``docs/costs.md`` compares them with TensorFlow's profiler):

* **MACs** (multiply-adds, one multiplication and one addition): every product of a weight and
  an input value. Convolutions, Dense (on any input rank: applied to the last axis at every
  position) and BatchNormalization (at inference it is ``x*scale + shift``: one multiply-add
  per value) have them; every other layer has none. Bias additions and activations are not
  counted.
* **FLOPs = 2 x MACs**, nothing else. Courses and tools disagree on the word; here it means
  floating-point operations of the multiply-adds only: bias additions, activations and pooling
  are not in it.
* **Window operations** (pooling only, kept apart from the MACs): one comparison (max) or
  addition (average) per window element and output value, ``H_out*W_out*C*k_h*k_w``
  (TensorFlow's profiler counts pooling the same way); global pooling reads each value once,
  ``H*W*C``.
* **Memory** (float32, 4 bytes a value): activations are the values every layer outputs, plus
  the input, times the batch size (cs231n's VGG table: no buffer reuse, views or in-place
  operations considered); parameters are every weight, trainable or not, times 4 bytes.

>>> from generator.engine.layers import Conv2D
>>> from generator.engine.model import ModelSpec, analyze
>>> record = analyze(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),))).records[0]
>>> [(s.formula, s.substituted, s.value) for s in cost_steps(record)]
[('MACs = H_out*W_out*k_h*k_w*C_in*C_out', '26*26*3*3*1*32', 194688), ('FLOPs = 2*MACs', '2*194688', 389376)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from generator.engine.conv import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from generator.engine.formula import Formula, Rule, Work, register, symbols
from generator.engine.layer import Layer
from generator.engine.layers import BatchNormalization, Dense, GlobalPooling2D, Pooling2D
from generator.engine.steps import Quantity, Shape, Step, Tracer

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy

BYTES_PER_VALUE = 4
"""float32."""



def _product(name: str, symbolic: str, params: str, drop_leading_ones: int = 0, rule: Rule | None = None,
             flat: Rule | None = None, remark: Callable[..., str] | None = None) -> Formula:
    """A registered rule that multiplies its parameters (most costs are products).

    ``drop_leading_ones``: how many leading factors the worked form leaves out when they are 1
    (a flat input's missing height and width, passed as 1), and then shows the ``flat`` rule.
    """
    names = params.split()

    def value(*values: int, **named: int) -> int:
        return math.prod(values) * math.prod(named[n] for n in names[len(values):])

    def work(*given: int, **named: int) -> Work:
        values = given + tuple(named[n] for n in names[len(given):])
        skip = 0
        while skip < drop_leading_ones and values[skip] == 1 and skip < len(values) - 1:
            skip += 1
        shown = [str(v) for v in values[skip:]]
        return Work("*".join(shown), r" \cdot ".join(shown), remark(*values) if remark else "",
                    flat if skip and flat is not None else None)

    def expr() -> sympy.Expr:
        return math.prod(symbols(" ".join(names)))

    return register(Formula(name, symbolic, value, work, expr, rule))


# ---------------------------------------------------------------- multiply-adds


def _conv_macs_value(ho: int, wo: int, kh: int, kw: int, cin: int, f: int, g: int) -> int:
    return ho * wo * kh * kw * (cin // g) * f


def _conv_macs_work(ho: int, wo: int, kh: int, kw: int, cin: int, f: int, g: int) -> Work:
    c_text = str(cin) if g == 1 else f"({cin}/{g})"
    c_latex = str(cin) if g == 1 else rf"\frac{{{cin}}}{{{g}}}"
    return Work(
        f"{ho}*{wo}*{kh}*{kw}*{c_text}*{f}",
        rf"{ho} \cdot {wo} \cdot {kh} \cdot {kw} \cdot {c_latex} \cdot {f}",
        f"{ho}·{wo}·{f} = {ho * wo * f:,} output values, each a dot product of {kh * kw * (cin // g):,} weights with "
        "its window", _CONV_MACS if g == 1 else _GROUPED_MACS,
    )


_CONV_MACS = Rule.of("MACs = H_out*W_out*k_h*k_w*C_in*C_out",
                   r"\mathrm{MACs} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot k_h \cdot k_w \cdot C_{\mathrm{in}} \cdot C_{\mathrm{out}}",
                   "MACs H_out W_out k_h k_w C_in C_out")
_GROUPED_MACS = Rule.of("MACs = H_out*W_out*k_h*k_w*(C_in/g)*C_out",
                      r"\mathrm{MACs} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot k_h \cdot k_w \cdot \frac{C_{\mathrm{in}}}{g} \cdot C_{\mathrm{out}}",
                      "MACs H_out W_out k_h k_w C_in g C_out")


def _conv_macs_expr() -> sympy.Expr:
    ho, wo, kh, kw, cin, f, g = symbols("ho wo kh kw cin f g")
    return ho * wo * kh * kw * (cin / g) * f


CONV_MACS = register(Formula(
    name="conv_macs",
    symbolic="H_out*W_out*k_h*k_w*(C_in/groups)*filters",
    value=_conv_macs_value,
    work=_conv_macs_work,
    build_expr=_conv_macs_expr,
))
"""Conv2D: each output value is a dot product of its ``k_h x k_w x C_in/groups`` window with
one kernel; dilation spreads the window but adds no products.

>>> CONV_MACS.value(ho=26, wo=26, kh=3, kw=3, cin=1, f=32, g=1)
194688
>>> CONV_MACS.work(ho=4, wo=4, kh=3, kw=3, cin=64, f=64, g=2).text
'4*4*3*3*(64/2)*64'
"""

CONV_TRANSPOSE_MACS = _product(
    "conv_transpose_macs", "H_in*W_in*k_h*k_w*C_in*filters", "h w kh kw cin f",
    rule=Rule.of("MACs = H_in*W_in*k_h*k_w*C_in*C_out",
               r"\mathrm{MACs} = H_{\mathrm{in}} \cdot W_{\mathrm{in}} \cdot k_h \cdot k_w \cdot C_{\mathrm{in}} \cdot C_{\mathrm{out}}",
               "MACs H_in W_in k_h k_w C_in C_out"),
    remark=lambda h, w, kh, kw, cin, f: (f"each of the {h}·{w}·{cin} = {h * w * cin:,} input values is multiplied by the "
                                         f"{kh}·{kw}·{f} = {kh * kw * f:,} weights it reaches and added into the output "
                                         "(output values near the border get fewer contributions)"),
)
"""Conv2DTranspose: every input value is multiplied by every weight of the kernel and added
into the output (products that land in a cropped border, with ``padding='same'``, counted).

>>> CONV_TRANSPOSE_MACS.value(h=7, w=7, kh=5, kw=5, cin=3, f=4)
14700
"""

DEPTHWISE_MACS = _product(
    "depthwise_macs", "H_out*W_out*k_h*k_w*C_in*depth_multiplier", "ho wo kh kw cin m",
    rule=Rule.of("MACs = H_out*W_out*k_h*k_w*C_in*m",
               r"\mathrm{MACs} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot k_h \cdot k_w \cdot C_{\mathrm{in}} \cdot m",
               "MACs H_out W_out k_h k_w C_in m"),
)
"""DepthwiseConv2D: a ``k_h x k_w`` window per output value (one input channel each).

>>> DEPTHWISE_MACS.work(ho=6, wo=6, kh=3, kw=3, cin=3, m=2).text
'6*6*3*3*3*2'
"""


def _separable_macs_value(ho: int, wo: int, kh: int, kw: int, cin: int, m: int, f: int) -> int:
    return ho * wo * (kh * kw * cin * m + cin * m * f)


def _separable_macs_work(ho: int, wo: int, kh: int, kw: int, cin: int, m: int, f: int) -> Work:
    return Work(
        f"{ho}*{wo}*({kh}*{kw}*{cin}*{m} + {cin}*{m}*{f})",
        rf"{ho} \cdot {wo} \cdot ({kh} \cdot {kw} \cdot {cin} \cdot {m} + {cin} \cdot {m} \cdot {f})",
    )


def _separable_macs_expr() -> sympy.Expr:
    ho, wo, kh, kw, cin, m, f = symbols("ho wo kh kw cin m f")
    return ho * wo * (kh * kw * cin * m + cin * m * f)


SEPARABLE_MACS = register(Formula(
    name="separable_macs",
    symbolic="H_out*W_out*(k_h*k_w*C_in*depth_multiplier + C_in*depth_multiplier*filters)",
    value=_separable_macs_value,
    work=_separable_macs_work,
    build_expr=_separable_macs_expr,
    rule=Rule.of("MACs = H_out*W_out*(k_h*k_w*C_in*m + C_in*m*C_out)",
               r"\mathrm{MACs} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot (k_h \cdot k_w \cdot C_{\mathrm{in}} \cdot m"
               r" + C_{\mathrm{in}} \cdot m \cdot C_{\mathrm{out}})",
               "MACs H_out W_out k_h k_w C_in m C_out"),
))
"""SeparableConv2D: the depthwise part, then a 1x1 pointwise convolution at each position.

>>> SEPARABLE_MACS.work(ho=6, wo=6, kh=3, kw=3, cin=3, m=1, f=5).text
'6*6*(3*3*3*1 + 3*1*5)'
>>> SEPARABLE_MACS.value(ho=6, wo=6, kh=3, kw=3, cin=3, m=1, f=5)
1512
"""

DENSE_MACS = _product(
    "dense_macs", "H*W*C_in*units", "h w cin u", drop_leading_ones=2,
    rule=Rule.of("MACs = H*W*N_in*N_out", r"\mathrm{MACs} = H \cdot W \cdot N_{\mathrm{in}} \cdot N_{\mathrm{out}}",
               "MACs H W N_in N_out"),
    flat=Rule.of("MACs = N_in*N_out", r"\mathrm{MACs} = N_{\mathrm{in}} \cdot N_{\mathrm{out}}", "MACs N_in N_out"),
)
"""Dense: ``C_in x units`` products at every position (a flat input is one position: H = W = 1,
left out of the worked form).

>>> DENSE_MACS.work(h=1, w=1, cin=576, u=64).text, DENSE_MACS.value(h=8, w=8, cin=3, u=5)
('576*64', 960)
"""

VALUE_MACS = _product(
    "value_macs", "H*W*C", "h w c", drop_leading_ones=2,
    rule=Rule.of("MACs = H*W*C", r"\mathrm{MACs} = H \cdot W \cdot C", "MACs H W C"),
    flat=Rule.of("MACs = N", r"\mathrm{MACs} = N", "MACs N"),
)
"""BatchNormalization at inference: ``x*scale + shift``, one multiply-add per value.

>>> VALUE_MACS.work(h=26, w=26, c=32).text, VALUE_MACS.work(h=1, w=1, c=64).text
('26*26*32', '64')
"""

FLOPS = _product("flops", "2*MACs", "two m",
                 rule=Rule.of("FLOPs = 2*MACs", r"\mathrm{FLOPs} = 2 \cdot \mathrm{MACs}", "FLOPs MACs"))
"""FLOPs = 2 x multiply-adds (a multiplication and an addition each); bias additions,
activations and pooling not counted (the convention of ``docs/costs.md``). Pass ``two=2``.

>>> FLOPS.work(two=2, m=194688).text
'2*194688'
"""

# ---------------------------------------------------------------- pooling

POOL_OPS = _product(
    "pool_ops", "H_out*W_out*C*k_h*k_w", "ho wo c kh kw",
    rule=Rule.of("ops = H_out*W_out*C*k_h*k_w",
               r"\mathrm{ops} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot C \cdot k_h \cdot k_w",
               "ops H_out W_out C k_h k_w"),
)
"""Max or average pooling: one comparison or addition per window element of each output value
(a window partly in the 'same' padding counted whole, as TensorFlow's profiler does).

>>> POOL_OPS.value(ho=13, wo=13, c=32, kh=2, kw=2)
21632
"""

GLOBAL_POOL_OPS = _product("global_pool_ops", "H*W*C", "h w c",
                           rule=Rule.of("ops = H*W*C", r"\mathrm{ops} = H \cdot W \cdot C", "ops H W C"))
"""Global pooling: every input value read once (a comparison or an addition).

>>> GLOBAL_POOL_OPS.work(h=7, w=7, c=512).text
'7*7*512'
"""

# ---------------------------------------------------------------- memory

TENSOR_BYTES = _product(
    "tensor_bytes", "H*W*C*batch*bytes", "h w c b n", drop_leading_ones=2,
    rule=Rule.of("M = H*W*C*B*4", r"M = H \cdot W \cdot C \cdot B \cdot 4", "M H W C B"),
    flat=Rule.of("M = N*B*4", r"M = N \cdot B \cdot 4", "M N B"),
)
"""The memory of one layer's output: its values, for each example of the batch, 4 bytes each.

>>> TENSOR_BYTES.work(h=26, w=26, c=32, b=1, n=4).text
'26*26*32*1*4'
"""

MEMORY_BYTES = _product("memory_bytes", "values*batch*bytes", "v b n",
                        rule=Rule.of("M = V*B*4", r"M = V \cdot B \cdot 4", "M V B"))
"""The memory of many values (all activations of a forward pass).

>>> MEMORY_BYTES.value(v=22416, b=32, n=4)
2869248
"""

PARAM_BYTES = _product("param_bytes", "params*bytes", "p n",
                       rule=Rule.of("M = P*4", r"M = P \cdot 4", "M P"))
"""The memory of the weights.

>>> PARAM_BYTES.work(p=320, n=4).text
'320*4'
"""

FORMULAS = (
    CONV_MACS, CONV_TRANSPOSE_MACS, DEPTHWISE_MACS, SEPARABLE_MACS, DENSE_MACS, VALUE_MACS,
    FLOPS, POOL_OPS, GLOBAL_POOL_OPS, TENSOR_BYTES, MEMORY_BYTES, PARAM_BYTES,
)
"""Every cost rule of this module."""


def hwc(shape: Shape) -> tuple[int, int, int]:
    """A shape of any rank as (positions before the last two axes, second-to-last, last): what
    the ``H*W*C`` rules take; a flat ``(N,)`` is ``(1, 1, N)``.

    >>> hwc((26, 26, 32)), hwc((10,)), hwc((4, 16))
    ((26, 26, 32), (1, 1, 10), (1, 4, 16))
    """
    if len(shape) >= 3:
        return math.prod(shape[:-2]), shape[-2], shape[-1]
    if len(shape) == 2:
        return 1, shape[0], shape[1]
    return 1, 1, shape[0]


class Record(Protocol):
    """What the cost of one analysed layer needs (a :class:`~generator.engine.model.LayerRecord`;
    a protocol, because the model imports this module)."""

    @property
    def name(self) -> str: ...
    @property
    def layer(self) -> Layer: ...
    @property
    def input_shape(self) -> Shape: ...
    @property
    def output_shape(self) -> Shape: ...


class Input(Protocol):
    """The model's input (a :class:`~generator.engine.model.ModelSpec`)."""

    @property
    def input_shape(self) -> Shape: ...


class Analysed(Protocol):
    """What the memory of an analysed model needs (a :class:`~generator.engine.model.Summary`)."""

    @property
    def spec(self) -> Input: ...
    @property
    def records(self) -> Sequence[Record]: ...
    @property
    def total_params(self) -> int: ...


_QUIET = Tracer()
_WITH_MACS = frozenset(  # exact types (a quick exit on the hot path for every other layer)
    {Conv1D, Conv2D, Conv3D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization,
     Conv1DTranspose, Conv3DTranspose, DepthwiseConv1D, SeparableConv1D})


def layer_macs(layer: Layer, input_shape: Shape, output_shape: Shape, t: Tracer = _QUIET) -> int:
    """The multiply-adds of ``layer`` on one example (0 for layers that multiply nothing); the
    source of :attr:`LayerRecord.macs <generator.engine.model.LayerRecord.macs>`.

    Raises:
        GeometryError: more than 10^15 multiply-adds.

    >>> from generator.engine.layers import MaxPooling2D
    >>> layer_macs(DepthwiseConv2D((3, 3)), (8, 8, 3), (6, 6, 3)), layer_macs(MaxPooling2D(), (8, 8, 3), (4, 4, 3))
    (972, 0)
    """
    if type(layer) not in _WITH_MACS:
        return 0
    q = Quantity.MACS
    if isinstance(layer, Conv1D | Conv3D):
        # The image rule on the sides folded to two: a sequence is 1 x T, a volume (D*H) x W
        # with a (k_d*k_h) x k_w kernel; the same product, so the same count.
        (ho, wo), (kh, kw) = _fold(output_shape[:-1]), _fold(layer.kernel_size)
        return t.apply(q, CONV_MACS, ho, wo, kh, kw, input_shape[-1], output_shape[-1], layer.groups)
    if isinstance(layer, Conv2D):
        (kh, kw), (ho, wo, f) = layer.kernel_size, output_shape
        return t.apply(q, CONV_MACS, ho, wo, kh, kw, input_shape[-1], f, layer.groups)
    if isinstance(layer, Conv1DTranspose | Conv3DTranspose):  # folded as Conv1D/Conv3D are
        (h, w), (kh, kw) = _fold(input_shape[:-1]), _fold(layer.kernel_size)
        return t.apply(q, CONV_TRANSPOSE_MACS, h, w, kh, kw, input_shape[-1], layer.filters)
    if isinstance(layer, DepthwiseConv1D):
        (ho, wo), (kh, kw) = _fold(output_shape[:-1]), _fold(layer.kernel_size)
        return t.apply(q, DEPTHWISE_MACS, ho, wo, kh, kw, input_shape[-1], layer.depth_multiplier)
    if isinstance(layer, SeparableConv1D):
        (ho, wo), (kh, kw) = _fold(output_shape[:-1]), _fold(layer.kernel_size)
        return t.apply(q, SEPARABLE_MACS, ho, wo, kh, kw, input_shape[-1], layer.depth_multiplier, output_shape[-1])
    if isinstance(layer, Conv2DTranspose):
        (kh, kw), (h, w, c) = layer.kernel_size, input_shape
        return t.apply(q, CONV_TRANSPOSE_MACS, h, w, kh, kw, c, layer.filters)
    if isinstance(layer, DepthwiseConv2D):
        (kh, kw), (ho, wo, _) = layer.kernel_size, output_shape
        return t.apply(q, DEPTHWISE_MACS, ho, wo, kh, kw, input_shape[-1], layer.depth_multiplier)
    if isinstance(layer, SeparableConv2D):
        (kh, kw), (ho, wo, f) = layer.kernel_size, output_shape
        return t.apply(q, SEPARABLE_MACS, ho, wo, kh, kw, input_shape[-1], layer.depth_multiplier, f)
    if isinstance(layer, Dense):
        h, w, c = hwc(input_shape)
        return t.apply(q, DENSE_MACS, h, w, c, layer.units)
    if isinstance(layer, BatchNormalization):
        return t.apply(q, VALUE_MACS, *hwc(input_shape))
    return 0


def window_ops(layer: Layer, input_shape: Shape, output_shape: Shape, t: Tracer = _QUIET) -> int:
    """Pooling's comparisons or additions (0 for every other layer; not part of the MACs).

    >>> from generator.engine.layers import MaxPooling2D
    >>> window_ops(MaxPooling2D((2, 2)), (26, 26, 32), (13, 13, 32))
    21632
    """
    q = Quantity.WINDOW_OPS
    if isinstance(layer, Pooling2D):
        (kh, kw), (ho, wo), c = _fold(layer.pool_size), _fold(output_shape[:-1]), output_shape[-1]
        return t.apply(q, POOL_OPS, ho, wo, c, kh, kw)
    if isinstance(layer, GlobalPooling2D):
        return t.apply(q, GLOBAL_POOL_OPS, *input_shape)
    return 0


def _fold(sides: tuple[int, ...]) -> tuple[int, int]:
    """Spatial sides of any rank as two (all but the last multiplied, then the last).

    >>> _fold((98,)), _fold((26, 26)), _fold((14, 30, 30))
    ((1, 98), (26, 26), (420, 30))
    """
    return math.prod(sides[:-1]), sides[-1]


def flops(macs: int) -> int:
    """FLOPs = 2 x MACs (bias additions, activations and pooling not counted).

    >>> flops(194688)
    389376
    """
    return FLOPS.value(2, macs)


def cost_steps(record: Record) -> tuple[Step, ...]:
    """The worked multiply-adds of one analysed layer, then its FLOPs, then (pooling only) its
    window operations. Kept out of ``record.steps`` (the shape and parameter derivation).

    >>> from generator.engine.layers import MaxPooling2D
    >>> from generator.engine.model import ModelSpec, analyze
    >>> record = analyze(ModelSpec((26, 26, 32), (MaxPooling2D((2, 2)),))).records[0]
    >>> [s.text for s in cost_steps(record)]
    ['multiply-adds = 0 (MaxPooling2D multiplies no weights)', 'comparisons/additions: ops = H_out*W_out*C*k_h*k_w = 13*13*32*2*2 = 21632']
    """
    t = Tracer(explain=True)
    macs = layer_macs(record.layer, record.input_shape, record.output_shape, t)
    if macs:
        t.apply(Quantity.FLOPS, FLOPS, 2, macs)
    else:
        t.note(Quantity.MACS, f"({record.layer.type_name} multiplies no weights)", 0)
    window_ops(record.layer, record.input_shape, record.output_shape, t)
    return tuple(t.steps)


def activation_values(summary: Analysed) -> int:
    """How many values a forward pass of one example holds: the input and every layer's output.

    >>> from generator.engine.layers import Conv2D
    >>> from generator.engine.model import ModelSpec, analyze
    >>> activation_values(analyze(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),))))
    22416
    """
    return math.prod(summary.spec.input_shape) + sum(math.prod(r.output_shape) for r in summary.records)


def activation_memory(summary: Analysed, batch: int = 1) -> int:
    """Bytes of float32 activations of a forward pass of ``batch`` examples (input included).

    >>> from generator.engine.layers import Conv2D
    >>> from generator.engine.model import ModelSpec, analyze
    >>> activation_memory(analyze(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),))), batch=32)
    2869248
    """
    return MEMORY_BYTES.value(activation_values(summary), batch, BYTES_PER_VALUE)


def parameter_memory(summary: Analysed) -> int:
    """Bytes of float32 weights, trainable and not.

    >>> from generator.engine.layers import Conv2D
    >>> from generator.engine.model import ModelSpec, analyze
    >>> parameter_memory(analyze(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),))))
    1280
    """
    return PARAM_BYTES.value(summary.total_params, BYTES_PER_VALUE)


def memory_steps(summary: Analysed, batch: int = 1) -> tuple[Step, ...]:
    """The worked memory of a forward pass: each tensor's bytes (input first), the activation
    total, and the parameters' bytes.

    >>> from generator.engine.layers import Conv2D
    >>> from generator.engine.model import ModelSpec, analyze
    >>> steps = memory_steps(analyze(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),))))
    >>> [s.text for s in steps]  # doctest: +NORMALIZE_WHITESPACE
    ['input: M = H*W*C*B*4 = 28*28*1*1*4 = 3136', 'conv2d: M = H*W*C*B*4 = 26*26*32*1*4 = 86528',
     'activation memory: M = V*B*4 = 22416*1*4 = 89664', 'parameter memory: M = P*4 = 320*4 = 1280']
    """
    t = Tracer(explain=True)
    tensors = [("input", summary.spec.input_shape)] + [(r.name, r.output_shape) for r in summary.records]
    for name, shape in tensors:
        t.apply(Quantity.ACTIVATION_MEMORY, TENSOR_BYTES, *hwc(shape), batch, BYTES_PER_VALUE, label=name)
    values = activation_values(summary)
    total = t.apply(Quantity.ACTIVATION_MEMORY, MEMORY_BYTES, values, batch, BYTES_PER_VALUE)
    assert total == activation_memory(summary, batch)
    t.apply(Quantity.PARAMETER_MEMORY, PARAM_BYTES, summary.total_params, BYTES_PER_VALUE)
    return tuple(t.steps)
