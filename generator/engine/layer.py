"""The base of every layer spec, and the helpers the sliding-window layers share.

Every layer implements one method, :meth:`Layer.analyze`, that applies the shared formulas of
:mod:`generator.engine.formulas` through a :class:`~generator.engine.steps.Tracer`. The same code
path gives the fast numeric answer (``Tracer(explain=False)``: integers only) and the worked
derivation (``Tracer(explain=True)``: every step recorded), so the two cannot disagree.

Shapes exclude the batch axis: ``(H, W, C)`` for images, ``(N,)`` after Flatten.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, Field, dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar

from generator.engine import formulas as F
from generator.engine.args import Padding, Pair, arg, boolean, layer_name
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError


def shape_str(shape: Shape) -> str:
    """Keras' way of printing a batch shape: ``(None, 26, 26, 32)``.

    >>> shape_str((26, 26, 32))
    '(None, 26, 26, 32)'
    """
    return "(" + ", ".join(["None", *map(str, shape)]) + ")"


_BASE_ARGS = ("name", "trainable")


@dataclass(frozen=True)
class Layer:
    """Base of all layer specs."""

    type_name: ClassVar[str] = ""
    positional: ClassVar[tuple[str, ...]] = ()
    """Keras' positional parameters in order (what the ``.py`` reader maps positional arguments
    to); parameters that never change a shape are accepted and ignored."""
    doc: ClassVar[str] = ""

    # Every Keras layer takes these as keywords (``Layer.__init__``): keyword-only here, so
    # ``Conv2D(32, (3, 3))`` still means filters and kernel size.
    _: KW_ONLY
    name: str | None = arg(None, coerce=layer_name)
    trainable: bool = arg(True, coerce=boolean)

    @classmethod
    def arguments(cls) -> tuple[Field[Any], ...]:
        """The layer's Keras arguments in the order Keras calls and argument lists show them:
        declaration order, a field declared with ``after=`` moved behind the one it names, and
        ``name`` and ``trainable`` last.

        >>> from generator.engine.layers import Conv2D
        >>> [f.name for f in Conv2D.arguments()][:6]
        ['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate', 'groups']
        """
        own = [f for f in fields(cls) if f.name not in _BASE_ARGS]
        ordered = [f for f in own if f.metadata.get("after") is None]
        for f in own:
            if f.metadata.get("after") is not None:
                at = next(i for i, g in enumerate(ordered) if g.name == f.metadata["after"])
                ordered.insert(at + 1, f)
        return (*ordered, *(f for f in fields(cls) if f.name in _BASE_ARGS))

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:  # pragma: no cover - abstract
        raise NotImplementedError

    def window(self) -> tuple[Pair, Pair] | None:
        """(effective kernel, strides) of a sliding-window layer, for the receptive field; None
        for layers that do not slide a window (or, like Conv2DTranspose, upsample)."""
        return None

    def keras_kwargs(self) -> dict[str, Any]:
        """The arguments that differ from Keras' defaults, in Keras' names and types (a 1-D
        layer's window arguments as ints, as Keras documents them: ``Conv1D(16, 3)``)."""
        out: dict[str, Any] = {}
        one_d = getattr(self, "rank", None) == 1
        for f in self.arguments():
            value = getattr(self, f.name)
            if f.metadata["required"] or f.metadata["emit"] or value != f.default:
                if one_d and isinstance(value, tuple) and len(value) == 1:
                    value = value[0]  # (3,) -> 3; ZeroPadding1D's ((1, 2),) -> (1, 2)
                out[f.name] = value.value if isinstance(value, StrEnum) else value
        return out

    def describe(self) -> str:
        """A short human description, e.g. ``Conv2D(32, (3, 3))``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.keras_kwargs().items())
        return f"{self.type_name}({args})"


def channels(shape: Shape, layer: Layer) -> tuple[int, int, int]:
    """``(H, W, C)`` of a 3-D input; a :class:`GeometryError` naming ``layer`` for any other."""
    if len(shape) != 3:
        raise GeometryError(
            f"{layer.type_name} needs a 3-D (H, W, C) input, got shape {shape_str(shape)}"
        )
    h, w, c = shape
    return h, w, c


SIDES = {1: (Quantity.OUTPUT_LENGTH,), 2: (Quantity.OUTPUT_HEIGHT, Quantity.OUTPUT_WIDTH),
         3: (Quantity.OUTPUT_DEPTH, Quantity.OUTPUT_HEIGHT, Quantity.OUTPUT_WIDTH)}
"""The quantity of each spatial axis, by the number of spatial axes."""


def shape_quantities(rank: int) -> tuple[Quantity, ...]:
    """The quantity of each axis of an output of ``rank`` axes: a flat vector's size, else its
    spatial sides and its channels.

    >>> [q.value for q in shape_quantities(2)]
    ['output_length', 'output_channels']
    """
    return (Quantity.OUTPUT_SIZE,) if rank == 1 else (*SIDES[rank - 1], Quantity.OUTPUT_CHANNELS)


_INPUTS = {1: "2-D (steps, C)", 2: "3-D (H, W, C)", 3: "4-D (D, H, W, C)"}
"""What a layer of spatial rank 1, 2 or 3 takes (batch axis excluded)."""


def axes(shape: Shape, layer: Layer, rank: int) -> tuple[tuple[int, ...], int]:
    """The spatial sides and the channels of an input of a rank-``rank`` layer (``(steps,)`` and
    C for a Conv1D); a :class:`GeometryError` naming ``layer`` for any other input.

    >>> from generator.engine.layers import Conv1D
    >>> axes((100, 8), Conv1D(16, 3), 1)
    ((100,), 8)
    """
    if len(shape) != rank + 1:
        raise GeometryError(f"{layer.type_name} needs a {_INPUTS[rank]} input, got shape {shape_str(shape)}")
    return tuple(shape[:-1]), shape[-1]


def sides(
    t: Tracer,
    dims: tuple[int, ...],
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    dilation: tuple[int, ...] | None = None,
    pooling: bool = False,
) -> tuple[int, ...]:
    """Output sides of a window sliding over ``dims`` (any rank): :func:`spatial` for images,
    the length of a sequence, or depth, height and width of a volume (one line for all three
    when they use the same numbers).
    """
    dilation = dilation or (1,) * len(dims)
    if len(dims) == 2:
        return spatial(t, dims[0], dims[1], (kernel[0], kernel[1]), (strides[0], strides[1]), padding,
                       (dilation[0], dilation[1]), pooling)
    if len(dims) == 1:
        return (_side(t, Quantity.OUTPUT_LENGTH, dims[0], kernel[0], strides[0], dilation[0], padding, pooling),)
    if len(set(zip(dims, kernel, strides, dilation, strict=True))) == 1:
        side = _side(t, Quantity.OUTPUT_SIDE, dims[0], kernel[0], strides[0], dilation[0], padding, pooling)
        return (side,) * len(dims)
    return tuple(_side(t, q, n, k, s, d, padding, pooling)
                 for q, n, k, s, d in zip(SIDES[3], dims, kernel, strides, dilation, strict=True))


def spatial(
    t: Tracer,
    h: int,
    w: int,
    kernel: Pair,
    strides: Pair,
    padding: Padding,
    dilation: Pair = (1, 1),
    pooling: bool = False,
) -> Pair:
    """Output height and width of a convolution or pooling window; shared by every such layer.

    When height and width use the same numbers the derivation shows one line for both.
    """
    if h == w and kernel[0] == kernel[1] and strides[0] == strides[1] and dilation[0] == dilation[1]:
        side = _side(t, Quantity.OUTPUT_HEIGHT_WIDTH, h, kernel[0], strides[0], dilation[0], padding, pooling)
        return side, side
    return (
        _side(t, Quantity.OUTPUT_HEIGHT, h, kernel[0], strides[0], dilation[0], padding, pooling),
        _side(t, Quantity.OUTPUT_WIDTH, w, kernel[1], strides[1], dilation[1], padding, pooling),
    )


_CAUSAL = F.Rule("p_before = d(k - 1)", r"p_{\mathrm{before}} = d\,(k - 1)", ("p_before", "d", "k"))


def _side(
    t: Tracer, name: Quantity, n: int, k: int, s: int, d: int, padding: Padding, pooling: bool
) -> int:
    if padding is Padding.SAME:
        return t.dim(name, F.CONV_SAME, n, s)
    if padding is Padding.CAUSAL:  # d(k - 1) zeros before the sequence: as long as 'same' pads
        t.note(Quantity.ZERO_PADDING, "", d * (k - 1), f"{d}*({k} - 1)", label="causal zeros before the first step",
               rule=_CAUSAL, remark="none after, so no output value sees a later step")
        return t.dim(name, F.CONV_SAME, n, s)
    if pooling:
        return t.dim(name, F.POOL_VALID, n, k, s)
    return t.dim(name, F.CONV_VALID, n, k, s, d)
