"""How the figures name layers and shapes: short lines under a box (``Conv2D`` / ``32 filters,
3×3`` / ``stride 2, same``) and the spoken form of the same facts for a figure's description
(``Conv2D 3 by 3, 32 filters``). One argument may be hidden (``?``): the unknown of an inverse
problem is never drawn in a student's figure.
"""

from __future__ import annotations

from generator.engine.args import Padding
from generator.engine.conv import (
    BaseConv2D,
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    WithFilters,
)
from generator.engine.layer import Layer
from generator.engine.layers import (
    Activation,
    Dense,
    Dropout,
    Pooling2D,
    Reshape,
    UpSampling2D,
    ZeroPadding2D,
)
from generator.engine.steps import Shape

HIDDEN = "?"

# The argument an inverse problem's blank asks for, by the blank's field.
KERNEL, STRIDE, PADDING, DILATION, FILTERS = "kernel_size", "strides", "padding", "dilation_rate", "filters"


def times(pair: tuple[int, ...], sep: str = "×") -> str:
    """``(3, 3)`` as ``3×3``.

    >>> times((3, 3)), times((26, 26, 32)), times((3, 3), " by ")
    ('3×3', '26×26×32', '3 by 3')
    """
    return sep.join(map(str, pair))


def shape_text(shape: Shape) -> str:
    """A tensor's shape as the figures print it (no batch axis): ``26×26×32``, ``576``."""
    return times(shape)


def spoken_shape(shape: Shape) -> str:
    """A shape read out: ``26 by 26 by 32``; a vector ``a vector of 576``."""
    return f"a vector of {shape[0]}" if len(shape) == 1 else times(shape, " by ")


def layer_lines(layer: Layer, hide: str = "") -> list[str]:
    """The lines under a layer's box: its type, then its arguments (``hide`` names the argument
    shown as ``?``).

    >>> from generator.engine.layers import Conv2D, MaxPooling2D
    >>> layer_lines(Conv2D(32, (3, 3), strides=(2, 2), padding=Padding.SAME))
    ['Conv2D', '32 filters, 3×3', 'stride 2, same']
    >>> layer_lines(Conv2D(32, (3, 3), strides=(2, 2)), hide="strides")
    ['Conv2D', '32 filters, 3×3', 'stride ?']
    >>> layer_lines(MaxPooling2D())
    ['MaxPooling2D', '2×2']
    """
    return [layer.type_name, *(line for line in _argument_lines(layer, hide) if line)]


def _side(sides: tuple[int, ...]) -> str:
    return str(sides[0]) if len(set(sides)) == 1 else times(sides)


def _argument_lines(layer: Layer, hide: str) -> list[str]:
    if isinstance(layer, BaseConv2D):
        kernel = "?×?" if hide == KERNEL else times(layer.kernel_size)
        if isinstance(layer, DepthwiseConv2D | DepthwiseConv1D):
            first = f"{kernel}, ×{layer.depth_multiplier}"
        else:
            assert isinstance(layer, WithFilters)
            filters = HIDDEN if hide == FILTERS else str(layer.filters)
            first = f"{filters} filters, {kernel}"
        extra = []
        if hide == STRIDE:
            extra.append("stride ?")
        elif max(layer.strides) > 1:
            extra.append(f"stride {_side(layer.strides)}")
        if hide == PADDING:
            extra.append("padding ?")
        elif layer.padding is not Padding.VALID:
            extra.append(layer.padding.value)  # same, causal
        if hide == DILATION:
            extra.append("dilation ?")
        elif max(layer.dilation_rate) > 1:
            extra.append(f"dilation {_side(layer.dilation_rate)}")
        if isinstance(layer, Conv2DTranspose | Conv1DTranspose | Conv3DTranspose) and layer.output_padding is not None:
            extra.append(f"out. pad {_side(layer.output_padding)}")
        return [first, ", ".join(extra)]
    if isinstance(layer, Pooling2D):
        extra = []
        if layer.strides is not None and layer.strides != layer.pool_size:
            extra.append(f"stride {_side(layer.strides)}")
        if layer.padding is Padding.SAME:
            extra.append("same")
        return [times(layer.pool_size), ", ".join(extra)]
    if isinstance(layer, Dense):
        return [f"{layer.units} units"]
    if isinstance(layer, Dropout):
        return [f"rate {layer.rate:g}"]
    if isinstance(layer, Activation):
        return [layer.activation]
    if isinstance(layer, ZeroPadding2D):
        if hide == PADDING:
            return [HIDDEN]
        sides = {n for pair in layer.padding for n in pair}
        return [str(layer.padding[0][0]) if len(sides) == 1 else " / ".join(f"{a},{b}" for a, b in layer.padding)]
    if isinstance(layer, UpSampling2D):
        return [times(layer.size)]
    if isinstance(layer, Reshape):
        return ["to " + times(layer.target_shape)]
    return []


def spoken_layer(layer: Layer, hide: str = "") -> str:
    """The layer read out for a description: ``Conv2D, 32 filters, 3 by 3, stride 2, same``."""
    lines = layer_lines(layer, hide)
    return ", ".join(line.replace("×", " by ") for line in lines)
