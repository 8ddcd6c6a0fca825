"""Wrong answers students really give, computed by applying the mistake to the same numbers.

Each distractor names the misconception behind it (forgetting the ``+1``, applying the ``valid``
formula to ``same``, dropping the bias, counting dilation from 0 as CS231n does, forgetting the
input channels, flattening before a Dense layer, taking pooling's stride as 1 ...),
never an "arithmetic slip" filler, so a teacher can see why an option is tempting. The formulas are the engine's,
fed the wrong way; nothing here re-derives a rule.
"""

from __future__ import annotations

import math

from generator.engine import formulas as F
from generator.engine.layers import (
    BaseConv2D,
    BatchNormalization,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Cropping2D,
    Dense,
    DepthwiseConv1D,
    DepthwiseConv2D,
    Layer,
    Padding,
    Pooling2D,
    SeparableConv1D,
    SeparableConv2D,
    ZeroPadding2D,
)
from generator.engine.params import conv_params
from generator.engine.steps import Shape

Wrong = list[tuple[object, str]]


def _valid_side(n: int, k: int, s: int, d: int, pooling: bool) -> int:
    return F.POOL_VALID.value(n=n, k=k, s=s) if pooling else F.CONV_VALID.value(n=n, k=k, s=s, d=d)


def _side_mistakes(n: int, k: int, s: int, d: int, padding: Padding, pooling: bool) -> Wrong:
    """Wrong output sides of a sliding window on an input side ``n``."""
    ke = F.effective_kernel(k, d)
    out: Wrong = []
    if padding is Padding.CAUSAL:
        out.append((_valid_side(n, k, s, d, pooling), "added no zeros ('valid'): causal padding adds d(k - 1) before the sequence"))
        out.append(((n + 2 * (ke - 1) - ke) // s + 1, "padded both ends by d(k - 1) (causal pads the start only)"))
        if s > 1:
            out.append((n, "forgot the stride"))
        return out
    if padding is Padding.SAME:
        out.append((_valid_side(n, k, s, d, pooling), "applied the 'valid' formula to 'same' padding"))
        out.append((n // s, "rounded down instead of up (same padding uses ceil(n/s))"))
        if s > 1:
            out.append((n, "forgot the stride (same padding keeps the size only at stride 1)"))
        return out
    out.append(((n - ke) // s, "forgot the +1"))
    out.append((F.CONV_SAME.value(n=n, s=s), "applied the 'same' formula to 'valid' padding"))
    if s > 1:
        out.append((n - ke + 1, "ignored the stride"))
        out.append((-(-(n - ke) // s) + 1, "rounded up instead of down"))
    if d > 1:
        cs231n_kernel = k + (k - 1) * d  # CS231n's dilation d means d gaps; Keras' means d - 1
        out.append(((n - cs231n_kernel) // s + 1, "counted dilation from 0 (CS231n's convention)"))
        out.append(((n - k) // s + 1, "ignored the dilation"))
    return out


def _combine(correct: Shape, sides: list[Wrong], channel_mistakes: Wrong) -> Wrong:
    """Whole-shape distractors: one mistake at a time (those of the first spatial axis),
    applied to every axis where it applies."""
    *dims, c = correct
    out: Wrong = []
    by_mistake = [{m: v for v, m in axis} for axis in sides[1:]]
    for value, mistake in sides[0]:
        out.append(((value, *(m.get(mistake, n) for m, n in zip(by_mistake, dims[1:], strict=True)), c), mistake))
    for channels, mistake in channel_mistakes:
        out.append(((*dims, channels), mistake))
    return out


def shape_distractors(layer: Layer, in_shape: Shape, out_shape: Shape) -> Wrong:
    """Typical wrong output shapes for ``layer`` applied to ``in_shape``."""
    if isinstance(layer, Dense) and len(in_shape) == 3:
        return [((layer.units,), "flattened the input first (Dense acts on the last axis only)"),
                ((*in_shape[:2], in_shape[2]), "kept the input's channels")]
    if len(in_shape) != len(out_shape) or len(in_shape) < 2:
        return []
    *dims, c = in_shape
    if isinstance(layer, Conv2DTranspose | Conv1DTranspose | Conv3DTranspose):
        k, s = layer.kernel_size, layer.strides
        return [
            ((*(_valid_side(n, k[i], s[i], 1, False) for i, n in enumerate(dims)), out_shape[-1]),
             "used the ordinary convolution formula (a transposed convolution upsamples)"),
            ((*(n * s[i] for i, n in enumerate(dims)), out_shape[-1]), "ignored the kernel overhang (n*s only holds for 'same')"),
            ((*out_shape[:-1], c), "kept the input channels"),
        ]
    if isinstance(layer, Cropping2D | ZeroPadding2D):
        return _edge_mistakes(layer, dims, out_shape)
    window: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    if isinstance(layer, BaseConv2D):
        window, strides, dilation, pooling = layer.kernel_size, layer.strides, layer.dilation_rate, False
    elif isinstance(layer, Pooling2D):
        window, strides, dilation, pooling = layer.pool_size, layer.effective_strides, (1,) * len(dims), True
    else:
        return []
    sides = [
        _side_mistakes(n, window[i], strides[i], dilation[i], layer.padding, pooling)
        for i, n in enumerate(dims)
    ]
    channel: Wrong = []
    if isinstance(layer, Conv2D | SeparableConv2D | SeparableConv1D):
        channel.append((c, "kept the input channels (the output has one channel per filter)"))
    elif isinstance(layer, DepthwiseConv2D | DepthwiseConv1D) and layer.depth_multiplier > 1:
        channel.append((c, "forgot the depth multiplier"))
    elif isinstance(layer, Conv1D | Conv3D):
        channel.append((c, "kept the input channels (the output has one channel per filter)"))
    elif pooling:
        channel.append((math.prod(window) * c, "multiplied the channels by the window"))
    wrong = _combine(out_shape, sides, channel)
    if pooling and isinstance(layer, Pooling2D) and layer.strides is None and max(window) > 1:
        stride_one = tuple(_valid_side(n, window[i], 1, 1, True) if layer.padding is Padding.VALID else n
                           for i, n in enumerate(dims))
        wrong.append(((*stride_one, c), "took the pooling stride to default to 1 (Keras: strides=pool_size)"))
    if len(dims) == 3 and dims[0] != out_shape[0]:
        wrong.append(((dims[0], *out_shape[1:]), "slid the window over height and width only (kept the depth, as a 2-D layer would)"))
    return wrong


def _edge_mistakes(layer: Cropping2D | ZeroPadding2D, dims: list[int], out_shape: Shape) -> Wrong:
    """Cropping's and zero padding's typical wrong shapes: one side only, or the other way."""
    crop = isinstance(layer, Cropping2D)
    edges = layer.cropping if isinstance(layer, Cropping2D) else layer.padding
    sign = -1 if crop else 1
    c = out_shape[-1]
    one_side = tuple(n + sign * max(before, after) for n, (before, after) in zip(dims, edges, strict=True))
    other_way = tuple(n - sign * (before + after) for n, (before, after) in zip(dims, edges, strict=True))
    word = "cropped" if crop else "padded"
    return [((*one_side, c), f"{word} one side of each axis only (the numbers are per side)"),
            ((*other_way, c), "added the border instead of removing it" if crop else "removed the border instead of adding it")]


def params_distractors(layer: Layer, in_shape: Shape, trainable: int, non_trainable: int) -> Wrong:
    """Wrong parameter counts (of the layer's total) from named misconceptions."""
    total = trainable + non_trainable
    c = in_shape[-1]
    wrong: Wrong
    if isinstance(layer, Conv2D | Conv1D | Conv3D):
        wrong = _conv_params(layer.kernel_size, layer.filters, layer.groups, layer.use_bias, c)
        k = layer.kernel_size
        if isinstance(layer, Conv1D):
            wrong.append((conv_params(2).value(k[0], k[0], c, layer.filters, layer.groups, int(layer.use_bias)),
                          "counted a k x k kernel (a Conv1D kernel is k steps long)"))
        elif isinstance(layer, Conv3D) and k[0] > 1:
            wrong.append((conv_params(2).value(k[1], k[2], c, layer.filters, layer.groups, int(layer.use_bias)),
                          "forgot the kernel depth k_d (counted a 2-D kernel)"))
    elif isinstance(layer, Conv2DTranspose | Conv1DTranspose | Conv3DTranspose):
        wrong = _conv_params(layer.kernel_size, layer.filters, 1, layer.use_bias, c)
    elif isinstance(layer, SeparableConv2D | SeparableConv1D):
        k, m, plain = layer.kernel_size, layer.depth_multiplier, conv_params(len(layer.kernel_size))
        wrong = [
            (total - layer.filters, "dropped the bias"),
            (plain.value(*k, c, layer.filters, 1, 1), f"counted it as an ordinary Conv{len(k)}D"),
            (math.prod(k) * c * m, "counted only the depthwise part"),
        ]
    elif isinstance(layer, DepthwiseConv2D | DepthwiseConv1D):
        k, m, plain = layer.kernel_size, layer.depth_multiplier, conv_params(len(layer.kernel_size))
        wrong = [
            (total - c * m, "dropped the bias"),
            (plain.value(*k, c, c * m, 1, 1), f"counted it as an ordinary Conv{len(k)}D"),
        ]
    elif isinstance(layer, Dense):
        wrong = [
            (c * layer.units, "dropped the bias"),
            (c * layer.units + c, "gave a bias to each input instead of each unit"),
            ((c + 1) * (layer.units + 1), "added a bias on both sides"),
        ]
        if len(in_shape) == 3:
            flat = in_shape[0] * in_shape[1] * c
            wrong.insert(0, (flat * layer.units + layer.units * int(layer.use_bias),
                             "flattened the input first (Dense acts on the last axis only)"))
    elif isinstance(layer, BatchNormalization):
        wrong = [
            (trainable, "counted only the trainable gamma and beta"),
            (c, "counted one value per channel"),
            (total * (in_shape[0] * in_shape[1] if len(in_shape) == 3 else 1),
             "normalized each position separately instead of each channel"),
        ]
    elif isinstance(layer, Pooling2D):
        n = math.prod(layer.pool_size)
        wrong = [(n * c, "gave the pooling window weights"), (n * c + c, "gave the pooling window weights and biases")]
    else:
        wrong = [(c, "counted one weight per input channel"), (2 * c, "counted a weight and a bias per channel")]
    return wrong


def _conv_params(kernel: tuple[int, ...], f: int, g: int, use_bias: bool, c: int) -> Wrong:
    rule = conv_params(len(kernel))
    b = int(use_bias)
    out: Wrong = [
        (rule.value(*kernel, c, f, g, 1 - b), "dropped the bias" if b else "added a bias although use_bias=False"),
        (rule.value(*kernel, 1, f, 1, b), "forgot the input channels"),
        (math.prod(kernel) * c + f, "forgot to multiply by the number of filters"),
    ]
    if g > 1:
        out.append((rule.value(*kernel, c, f, 1, b), "ignored the groups"))
    return out
