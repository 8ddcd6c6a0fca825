"""The symbols every worked solution uses, defined once: each key opens with a notation box
listing those its formulas use, in this order.

>>> NOTATION["n"].latex, NOTATION["n"].meaning
('n', 'input height or width (one axis at a time)')
>>> [s.name for s in used(["s", "n", "zz", "n"])]
['n', 's']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Symbol(NamedTuple):
    """One symbol of the notation box."""

    name: str
    latex: str
    meaning: str


_TABLE = (
    Symbol("n", "n", "input height or width (one axis at a time)"),
    Symbol("o", "o", "output height or width"),
    Symbol("k", "k", "kernel (window) size along that axis"),
    Symbol("s", "s", "stride along that axis"),
    Symbol("p", "p", "zero padding on each side ('valid': p = 0)"),
    Symbol("d", "d", "dilation rate (1: no gaps between the kernel's taps)"),
    Symbol("k_eff", r"k_{\mathrm{eff}}", "effective kernel size of a dilated kernel, d(k − 1) + 1"),
    Symbol("a", "a", "output padding of a transposed convolution"),
    Symbol("p_before", r"p_{\mathrm{before}}", "zero rows (columns) added before the input"),
    Symbol("p_after", r"p_{\mathrm{after}}", "zero rows (columns) added after the input"),
    Symbol("c_before", r"c_{\mathrm{before}}", "rows (columns, steps) cropped before"),
    Symbol("c_after", r"c_{\mathrm{after}}", "rows (columns, steps) cropped after"),
    Symbol("u", "u", "upsampling factor (UpSampling2D's size)"),
    Symbol("H", "H", "height of the tensor the formula is about (a layer's input, unless said)"),
    Symbol("W", "W", "width of that tensor"),
    Symbol("C", "C", "channels of that tensor (Keras' last axis; PyTorch's first after the batch)"),
    Symbol("H_in", r"H_{\mathrm{in}}", "input height"),
    Symbol("W_in", r"W_{\mathrm{in}}", "input width"),
    Symbol("H_out", r"H_{\mathrm{out}}", "output height"),
    Symbol("W_out", r"W_{\mathrm{out}}", "output width"),
    Symbol("k_h", "k_h", "kernel height"),
    Symbol("k_w", "k_w", "kernel width"),
    Symbol("k_d", "k_d", "kernel depth (a 3-D kernel's first axis)"),
    Symbol("T", "T", "steps (length) of a sequence, a 1-D input's first axis"),
    Symbol("D", "D", "depth of a volume, a 3-D input's first axis"),
    Symbol("C_in", r"C_{\mathrm{in}}", "input channels"),
    Symbol("C_out", r"C_{\mathrm{out}}", "output channels (filters)"),
    Symbol("g", "g", "groups (each filter sees C_in/g channels)"),
    Symbol("m", "m", "depth multiplier (kernels per input channel)"),
    Symbol("N", "N", "length of a flat vector"),
    Symbol("N_in", r"N_{\mathrm{in}}", "size of the input's last axis (Dense and nn.Linear act on it alone)"),
    Symbol("N_out", r"N_{\mathrm{out}}", "units of a Dense layer (out_features of an nn.Linear)"),
    Symbol("P", "P", "parameters (weights and biases)"),
    Symbol("MACs", r"\mathrm{MACs}", "multiply-add operations"),
    Symbol("FLOPs", r"\mathrm{FLOPs}", "floating-point operations: 2 per multiply-add (bias additions and activations not counted)"),
    Symbol("ops", r"\mathrm{ops}", "pooling's comparisons (max) or additions (average)"),
    Symbol("B", "B", "batch size: examples in one forward pass"),
    Symbol("V", "V", "values held: the input and every layer's output, per example"),
    Symbol("M", "M", "memory in bytes (float32: 4 bytes per value)"),
    Symbol("r", "r", "receptive field: input pixels one output value sees, along one axis"),
    Symbol("j", "j", "jump: input pixels between neighbouring outputs"),
    Symbol("L", "L", "number of stacked layers"),
    Symbol("R", "R", "a ratio: how many times one count is another, to the nearest whole number"),
)

NOTATION: dict[str, Symbol] = {s.name: s for s in _TABLE}
"""Every symbol by name, in the order the notation box lists them."""

_ORDER = {s.name: i for i, s in enumerate(_TABLE)}


def used(names: Iterable[str]) -> list[Symbol]:
    """The known symbols among ``names``, once each, in notation order."""
    return [NOTATION[n] for n in sorted({n for n in names if n in NOTATION}, key=_ORDER.__getitem__)]
