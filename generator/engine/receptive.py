"""The receptive field through every spatial layer, upsampling ones included, by propagating
integer index intervals.

**What is measured.** The receptive field of a layer is that of its *central output unit*, at
row ``(H_out - 1) // 2`` and column ``(W_out - 1) // 2``: the input pixels it depends on
through non-zero weights, as an extent along each axis (last pixel - first pixel + 1).
Coordinates are not clipped to the image: a 'same' padding's zeros count as pixels of the
field, so for a stack of sliding windows the size is the classic
``r_out = r_in + (k_eff - 1) * j_in`` (``k_eff = d*(k - 1) + 1``) at every position, and equals
:attr:`LayerRecord.receptive_field <generator.engine.model.LayerRecord.receptive_field>`.

After Conv2DTranspose or UpSampling2D the field depends on where the unit sits (an upsampled
pixel's neighbours may share its source pixel or not), so the size is the central unit's; the
*jump* (input pixels between neighbouring output units) becomes a fraction, ``j_in / s``.

Each layer maps an interval of its output indices back to the interval of input indices it
reads (exact for the hull, dilation's gaps included, because both ends move monotonically):

* convolution or pooling: ``[a*s - p, b*s - p + k_eff - 1]``, ``p`` the padding before
  (TensorFlow's: ``max((n_out - 1)*s + k_eff - n_in, 0) // 2`` for 'same', 0 for 'valid');
* transposed convolution (input ``i`` adds into ``i*s - p + t*d`` for every tap ``t``): the
  inputs ``i`` with a tap landing in ``[a, b]``, ``p`` that of the convolution it transposes;
* UpSampling2D: ``[a // u, b // u]``; ZeroPadding2D: ``[a - top, b - top]``;
* Dense on an image, BatchNormalization, Activation, Dropout: unchanged;
* Flatten, global pooling, Reshape: undefined from there on (None), as for a flat input.

>>> from generator.engine.layers import Conv2D, UpSampling2D
>>> from generator.engine.model import ModelSpec
>>> fields = receptive_fields(ModelSpec((16, 16, 1), (Conv2D(4, (3, 3)), UpSampling2D(), Conv2D(4, (3, 3)))))
>>> [f.size for f in fields], fields[-1].jump
([(3, 3), (3, 3), (4, 4)], (Fraction(1, 2), Fraction(1, 2)))
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

from generator.engine.conv import BaseConv2D, Conv2DTranspose
from generator.engine.layer import Layer
from generator.engine.layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Padding,
    Pooling2D,
    UpSampling2D,
    ZeroPadding2D,
)
from generator.engine.model import LayerRecord, ModelSpec, analyze
from generator.engine.steps import Shape

Interval = tuple[int, int]
"""First and last index, inclusive; empty when last < first."""


class FieldOfView(NamedTuple):
    """The receptive field of a layer's central output unit.

    Attributes:
        size: Extent along height and width in input pixels (0 when no input pixel reaches
            the unit: a transposed convolution whose kernel is smaller than its stride).
        jump: Input pixels between neighbouring output units (a fraction after upsampling).
        window: The input pixels ``((first_row, last_row), (first_col, last_col))``; negative
            or past the image where the field reaches into padding.
        position: The output unit, ``((H_out - 1) // 2, (W_out - 1) // 2)``.
    """

    size: tuple[int, int]
    jump: tuple[Fraction, Fraction]
    window: tuple[Interval, Interval]
    position: tuple[int, int]


_POSITIONAL = (
    BaseConv2D, Pooling2D, UpSampling2D, ZeroPadding2D, Activation, BatchNormalization, Dense, Dropout,
)
"""Layers whose output unit at a position depends on input positions near it."""


def _pad_before(n_in: int, n_out: int, k: int, s: int, padding: Padding) -> int:
    """Rows (or columns) of padding before a window that maps ``n_in`` to ``n_out``."""
    return max((n_out - 1) * s + k - n_in, 0) // 2 if padding is Padding.SAME else 0


def _back(layer: Layer, axis: int, n_in: int, n_out: int, span: Interval) -> Interval:
    """The input interval that output interval ``span`` reads along ``axis`` (0: rows)."""
    a, b = span
    if isinstance(layer, Conv2DTranspose):
        k, s, d = layer.kernel_size[axis], layer.strides[axis], layer.dilation_rate[axis]
        p = _pad_before(n_out, n_in, d * (k - 1) + 1, s, layer.padding)
        lows, highs = [], []
        for t in range(k):  # input i lands on i*s - p + t*d
            lo, hi = -(-(a + p - t * d) // s), (b + p - t * d) // s
            if lo <= hi:
                lows.append(lo)
                highs.append(hi)
        return (min(lows), max(highs)) if lows else (1, 0)
    if isinstance(layer, BaseConv2D | Pooling2D):
        window = layer.window()
        assert window is not None
        k, s = window[0][axis], window[1][axis]
        p = _pad_before(n_in, n_out, k, s, layer.padding)
        return a * s - p, b * s - p + k - 1
    if isinstance(layer, UpSampling2D):
        u = layer.size[axis]
        return a // u, b // u
    if isinstance(layer, ZeroPadding2D):
        top = layer.padding[axis][0]
        return a - top, b - top
    return span


def _jump(layer: Layer, axis: int, jump: Fraction) -> Fraction:
    if isinstance(layer, Conv2DTranspose):
        return jump / layer.strides[axis]
    if isinstance(layer, UpSampling2D):
        return jump / layer.size[axis]
    window = layer.window()
    return jump * window[1][axis] if window is not None else jump


def _spatial(layer: Layer, shape: Shape) -> bool:
    """Whether ``layer`` keeps positions where they are (on a 3-D input)."""
    return len(shape) == 3 and isinstance(layer, _POSITIONAL)


def field_spans(spec: ModelSpec, index: int, position: tuple[int, int]) -> tuple[tuple[Interval, Interval], ...]:
    """What output unit ``position`` of layer ``index`` reads from each map before it: item
    ``i`` is the span of rows and of columns of layer ``i``'s input (item 0: the image); the
    last item is the unit itself. Indices are unclipped (negative or past the map: padding).

    >>> from generator.engine.layers import Conv2D, MaxPooling2D
    >>> field_spans(ModelSpec((8, 8, 1), (Conv2D(1, (3, 3)), MaxPooling2D())), 1, (1, 2))
    (((2, 5), (4, 7)), ((2, 3), (4, 5)), ((1, 1), (2, 2)))
    """
    return _spans(analyze(spec).records[: index + 1], position)


def _spans(records: Sequence[LayerRecord], position: tuple[int, int]) -> tuple[tuple[Interval, Interval], ...]:
    spans = [(position[0], position[0]), (position[1], position[1])]
    out = [(spans[0], spans[1])]
    for back in reversed(records):
        for axis in (0, 1):
            if spans[axis][0] <= spans[axis][1]:
                spans[axis] = _back(back.layer, axis, back.input_shape[axis], back.output_shape[axis], spans[axis])
        out.append((spans[0], spans[1]))
    return tuple(reversed(out))


def receptive_fields(spec: ModelSpec) -> tuple[FieldOfView | None, ...]:
    """Each layer's :class:`FieldOfView` (None once the output is no longer a map of the input
    image: after Flatten, global pooling or Reshape, or for a flat input; and for every layer of a
    functional model, whose paths to a unit may differ).

    Raises:
        GeometryError: the model is invalid (as :func:`~generator.engine.model.analyze`).

    >>> from generator.engine.layers import Conv2DTranspose, Flatten
    >>> fields = receptive_fields(ModelSpec((8, 8, 1), (Conv2DTranspose(2, (3, 3), (2, 2)), Flatten())))
    >>> fields[0].size, fields[0].window, fields[1]
    ((2, 2), ((3, 4), (3, 4)), None)
    """
    records = analyze(spec).records
    if spec.is_graph:  # a unit's field would be the union over every path to it
        return (None,) * len(records)
    out: list[FieldOfView | None] = []
    jump = (Fraction(1), Fraction(1))
    for r in records:
        if (out and out[-1] is None) or not _spatial(r.layer, r.input_shape) or len(r.output_shape) != 3:
            out.append(None)
            continue
        jump = (_jump(r.layer, 0, jump[0]), _jump(r.layer, 1, jump[1]))
        position = ((r.output_shape[0] - 1) // 2, (r.output_shape[1] - 1) // 2)
        spans = _spans(records[: r.index + 1], position)[0]
        size = (max(spans[0][1] - spans[0][0] + 1, 0), max(spans[1][1] - spans[1][0] + 1, 0))
        out.append(FieldOfView(size, jump, (spans[0], spans[1]), position))
    return tuple(out)
