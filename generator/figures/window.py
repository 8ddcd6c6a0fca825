"""The sliding-window figure (after Dumoulin and Visin's convolution-arithmetic drawings): the
input grid with its ring of zero padding shaded, the kernel at its first position and at its
second (one stride on), the holes of a dilated kernel, and the output grid, whose first two
values the two positions make.

Small grids are drawn cell by cell; a large one as a labelled schematic (not to scale where a
kernel or stride would be too small to see). In a student's sheet whatever the problem asks is
left out: the output (a dashed box with the blank's number), the kernel (kernel size or
dilation asked), the second position (stride asked) or the padding ring (padding asked).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from generator.engine import ModelSpec, analyze
from generator.engine.args import Padding
from generator.engine.conv import BaseConv2D, Conv2DTranspose
from generator.engine.layers import Pooling2D, ZeroPadding2D
from generator.figures.labels import times
from generator.figures.svg import Canvas, num, text_width
from generator.problems.byhand import same_padding

LEFT = 8.0
"""The figure's left margin."""

CELLS = 32
"""The largest padded side drawn cell by cell."""

FIRST, SECOND = "#2f5fb3", "#c2410c"
TAP, TAP2 = "#7fa9e0", "#f3b48c"
PAD = "#d9dde5"


@dataclass(frozen=True)
class Scene:
    """What the figure shows, in input pixels.

    Attributes:
        size: Input height and width (before padding).
        pads: Zeros added (top, bottom, left, right): a ZeroPadding2D layer's, or Keras' for
            ``padding='same'`` (the odd one at the bottom and right).
        kernel: Kernel height and width (taps, before dilation).
        dilation: Dilation rate (1 for pooling).
        strides: Strides.
        output: Output height and width.
        pooling: A pooling window (no weights) rather than a convolution kernel.
        same: The padding is Keras' ``'same'``.
    """

    size: tuple[int, int]
    pads: tuple[int, int, int, int]
    kernel: tuple[int, int]
    dilation: tuple[int, int]
    strides: tuple[int, int]
    output: tuple[int, int]
    pooling: bool
    same: bool

    @property
    def padded(self) -> tuple[int, int]:
        t, b, left, r = self.pads
        return self.size[0] + t + b, self.size[1] + left + r

    @property
    def span(self) -> tuple[int, int]:
        """The dilated kernel's span, d(k - 1) + 1."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation, strict=True))  # type: ignore[return-value]

    @property
    def second(self) -> tuple[int, int] | None:
        """The second position's offset (rows, columns): one stride right, or down when the
        output is one column wide; None for a single output."""
        if self.output[1] > 1:
            return 0, self.strides[1]
        if self.output[0] > 1:
            return self.strides[0], 0
        return None


def scene(model: ModelSpec) -> Scene | None:
    """The scene of a model that is one sliding window (a convolution or pooling), perhaps
    after a ZeroPadding2D; None for any other model."""
    layers = model.layers
    pads = (0, 0, 0, 0)
    if len(layers) == 2 and isinstance(layers[0], ZeroPadding2D):
        (t, b), (left, r) = layers[0].padding
        pads = (t, b, left, r)
        layers = layers[1:]
    if len(layers) != 1 or len(model.input_shape) != 3:
        return None
    layer = layers[0]
    if isinstance(layer, BaseConv2D) and not isinstance(layer, Conv2DTranspose):
        kernel, dilation, strides = layer.kernel_size, layer.dilation_rate, layer.strides
        pooling = False
    elif isinstance(layer, Pooling2D):
        kernel, dilation, strides = layer.pool_size, (1, 1), layer.effective_strides
        pooling = True
    else:
        return None
    size = (model.input_shape[0], model.input_shape[1])
    same = layer.padding is Padding.SAME
    if same:
        n = (size[0] + pads[0] + pads[1], size[1] + pads[2] + pads[3])
        span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
        (t2, b2), (l2, r2) = same_padding(n[0], span[0], strides[0]), same_padding(n[1], span[1], strides[1])
        pads = (pads[0] + t2, pads[1] + b2, pads[2] + l2, pads[3] + r2)
    out = analyze(model).output_shape
    return Scene(size, pads, kernel, dilation, strides, (out[0], out[1]), pooling, same)


@dataclass(frozen=True)
class Shown:
    """What a figure shows; a key shows everything."""

    output: bool = True
    kernel: bool = True
    second: bool = True
    padding: bool = True
    output_blank: str = ""


def _pixels(n: int) -> str:
    return f"{n} pixel" + ("" if n == 1 else "s")


def description(s: Scene, shown: Shown) -> str:
    """The ``<desc>``: the same facts as the drawing, in words."""
    ph, pw = s.padded
    words = [f"Input {times(s.size, ' by ')}"]
    if shown.padding and any(s.pads):
        t, b, left, r = s.pads
        ring = (f"{_pixels(t)} of zeros on every side" if t == b == left == r
                else f"zeros added: {t} top, {b} bottom, {left} left, {r} right")
        words.append(f"{ring}{' (Keras same padding)' if s.same else ''}, {ph} by {pw} padded")
    elif not shown.padding:
        words.append("the padding is asked")
    thing = "pooling window" if s.pooling else "kernel"
    if shown.kernel:
        holes = (f" with dilation {times(s.dilation, ' by ')}: its taps {times(s.dilation, ' and ')} pixels apart "
                 f"span {times(s.span, ' by ')}") if s.dilation != (1, 1) else ""
        words.append(f"a {times(s.kernel, ' by ')} {thing}{holes} at its first position")
        if s.second is None:
            words.append("it fits only once")
        elif shown.second:
            dy, dx = s.second
            words.append(f"its second position {_pixels(dx or dy)} {'right' if dx else 'down'} (the stride)")
        else:
            words.append("the stride is asked")
    else:
        words.append(f"the {thing} is asked")
    if shown.output:
        words.append(f"output {times(s.output, ' by ')}")
    else:
        words.append(f"the output is asked{f' in blank {shown.output_blank}' if shown.output_blank else ''}")
    return "; ".join(words) + "."


def window(s: Scene, ident: str, shown: Shown) -> Canvas:
    """The figure of scene ``s``."""
    ph, pw = s.padded
    cells = max(ph, pw) <= CELLS and max(s.output) <= CELLS
    # The input (padded) and output panels, in pixels.
    # A cell is a whole number of pixels, so relative steps add up exactly.
    unit = float(math.floor(min(14.0, 250.0 / max(ph, pw)))) if cells else 230.0 / max(ph, pw)
    in_w, in_h = pw * unit, ph * unit
    out_unit = float(math.floor(min(unit, 150.0 / max(s.output)))) if cells else 130.0 / max(s.output)
    out_w, out_h = (s.output[1] * out_unit, s.output[0] * out_unit) if shown.output else (60.0, 60.0)
    top = 34.0
    out_x = LEFT + in_w + 50
    legend = _legend(s, shown, cells)
    width = max(out_x + max(out_w, 80) + 8, LEFT + max(text_width(t, 10) for t, _ in legend) + 26)
    height = top + max(in_h, out_h) + 22 + 15 * len(legend)
    title = ("Sliding " + ("pooling window" if s.pooling else "kernel") + " over the input"
             + ("" if shown.output else " (the output is to find)"))
    canvas = Canvas(ident, width, height, title, description(s, shown))
    canvas.text(LEFT, 22, f"input {times(s.size)}" + (f", padded to {ph}×{pw}" if shown.padding and any(s.pads) else ""),
                10.5, anchor="start", bold=True, fill="#1d2330")
    canvas.text(out_x, 22, f"output {times(s.output)}" if shown.output else "output", 10.5, anchor="start", bold=True,
                fill="#1d2330")
    panel = canvas.group(**{"class": "input"})
    if cells:
        _input_cells(canvas, panel, s, shown, LEFT, top, unit)
    else:
        _input_schematic(canvas, panel, s, shown, LEFT, top, unit)
    mid = top + min(in_h, out_h) / 2  # level with the middle of the smaller panel
    canvas.arrow(LEFT + in_w + 10, mid, out_x - 10, mid)
    out_panel = canvas.group(**{"class": "output"})
    if shown.output:
        _output(canvas, out_panel, s, shown, out_x, top, out_unit, cells)
    else:
        canvas.rect(out_x, top, out_w, out_h, out_panel, rx=4, fill="#fff", stroke="#555", stroke_width=1.2,
                    stroke_dasharray="4 3")
        canvas.text(out_x + out_w / 2, top + out_h / 2 + 6, "?", 18, bold=True, parent=out_panel, fill="#555")
        if shown.output_blank:
            canvas.text(out_x + out_w / 2, top + out_h + 14, f"blank [{shown.output_blank}]", 10, parent=out_panel,
                        fill="#1d2330")
    y = top + max(in_h, out_h) + 26
    for text, colour in legend:
        if colour:
            canvas.rect(LEFT, y - 9, 10, 10, None, fill="none", stroke=colour, stroke_width=2,
                        stroke_dasharray="3 2" if colour == SECOND else None)
        canvas.text(LEFT + 16 if colour else LEFT, y, text, 10, anchor="start", fill="#1d2330")
        y += 15
    return canvas


def _legend(s: Scene, shown: Shown, cells: bool) -> list[tuple[str, str]]:
    thing = "pooling window" if s.pooling else "kernel"
    out: list[tuple[str, str]] = []
    if shown.kernel:
        dil = f", dilation {times(s.dilation)} (span {times(s.span)}; holes dashed)" if s.dilation != (1, 1) else ""
        out.append((f"{thing} {times(s.kernel)}{dil}: first position", FIRST))
        if s.second is not None and shown.second:
            dy, dx = s.second
            out.append((f"second position: {dx or dy} {'right' if dx else 'down'} (stride {times(s.strides)})", SECOND))
        elif s.second is not None:
            out.append(("stride: ?", ""))
    else:
        out.append((f"{thing}: ?", ""))
    if any(s.pads) and shown.padding:
        kind = "'same' padding" if s.same else "zero padding"
        out.append((f"shaded: {kind} (zeros)", ""))
    elif not shown.padding:
        out.append(("padding: ?", ""))
    if not cells:
        out.append(("schematic: sizes in pixels as labelled, not to scale", ""))
    return out


def _grid(canvas: Canvas, g: ET.Element, x0: float, y0: float, rows: int, cols: int, unit: float) -> None:
    """A grid of ``rows`` x ``cols`` cells as one path of lines (a rectangle per cell would be
    a thousand elements for a 32 x 32 input)."""
    width, height, step = num(cols * unit), num(rows * unit), num(unit)
    # Relative moves: every line after the first is the same few characters, which compress
    # to nearly nothing (a practice page holds thousands of these).
    d = f"M{num(x0)} {num(y0)}h{width}" + f"m-{width} {step}h{width}" * rows
    d += f"M{num(x0)} {num(y0)}v{height}" + f"m{step} -{height}v{height}" * cols
    canvas.add("path", g, d=d, fill="none", stroke="#9aa4b8", stroke_width=0.6)


def _cells(cells: list[tuple[int, int]], x0: float, y0: float, unit: float, inset: float) -> str:
    """Squares at (row, column) cells, inset from the cell's edges, as one path."""
    side = num(unit - 2 * inset)
    square = f"h{side}v{side}h-{side}z"
    out: list[str] = []
    at = (0, 0)
    for r, c in cells:  # the first square placed absolutely, the others relative to the one before
        if not out:
            out.append(f"M{num(x0 + c * unit + inset)} {num(y0 + r * unit + inset)}{square}")
        else:
            out.append(f"m{num((c - at[1]) * unit)} {num((r - at[0]) * unit)}{square}")
        at = (r, c)
    return "".join(out)


def _input_cells(canvas: Canvas, g: ET.Element, s: Scene, shown: Shown, x0: float, y0: float, unit: float) -> None:
    if shown.padding:
        ph, pw = s.padded
        t, b, left, r = s.pads
        canvas.rect(x0, y0, pw * unit, ph * unit, g, fill=PAD if any(s.pads) else "#fff")
        if any(s.pads):
            canvas.rect(x0 + left * unit, y0 + t * unit, s.size[1] * unit, s.size[0] * unit, g, fill="#fff")
    else:
        ph, pw = s.size
        canvas.rect(x0, y0, pw * unit, ph * unit, g, fill="#fff")
    _grid(canvas, g, x0, y0, ph, pw, unit)
    if shown.kernel:
        _kernel(canvas, g, s, x0, y0, unit, 0, 0, FIRST, TAP, dashed=False)
        if s.second is not None and shown.second:
            _kernel(canvas, g, s, x0, y0, unit, *s.second, SECOND, TAP2, dashed=True)


def _kernel(canvas: Canvas, g: ET.Element, s: Scene, x0: float, y0: float, unit: float, dr: int, dc: int,
            colour: str, fill: str, dashed: bool) -> None:
    dh, dw = s.dilation
    sh, sw = s.span
    taps = [(dr + i, dc + j) for i in range(sh) for j in range(sw) if i % dh == 0 and j % dw == 0]
    canvas.add("path", g, d=_cells(taps, x0, y0, unit, 1.5), fill=fill, fill_opacity=0.75)
    if not dashed and s.dilation != (1, 1):  # the holes of the first position only: two sets overlap
        holes = [(dr + i, dc + j) for i in range(sh) for j in range(sw) if i % dh or j % dw]
        canvas.add("path", g, d=_cells(holes, x0, y0, unit, 2), fill="none", stroke=colour, stroke_width=0.8,
                   stroke_dasharray="2 2")
    canvas.rect(x0 + dc * unit, y0 + dr * unit, sw * unit, sh * unit, g, fill="none", stroke=colour, stroke_width=2.2,
                stroke_dasharray="5 3" if dashed else None)


def _input_schematic(canvas: Canvas, g: ET.Element, s: Scene, shown: Shown, x0: float, y0: float,
                     unit: float) -> None:
    ph, pw = s.padded
    canvas.rect(x0, y0, pw * unit, ph * unit, g, fill=PAD if shown.padding and any(s.pads) else "#fff",
                stroke="#555", stroke_width=1)
    t, b, left, r = s.pads
    if shown.padding and any(s.pads):
        # A ring at least 4 px wide, so one row of zeros shows.
        ring = [max(p * unit, 4.0) if p else 0.0 for p in (t, b, left, r)]
        canvas.rect(x0 + ring[2], y0 + ring[0], pw * unit - ring[2] - ring[3], ph * unit - ring[0] - ring[1], g,
                    fill="#fff", stroke="#555", stroke_width=0.8)
        canvas.text(x0 + pw * unit / 2, y0 + ph * unit - max(ring[1], 4) / 2 - 2 if ring[1] >= 12 else y0 + ph * unit + 12,
                    f"zeros: {t}/{b} rows, {left}/{r} columns" if (t, b) != (left, r) or t != b else f"{t} row(s) of zeros",
                    9, parent=g, fill="#4b5563")
    if shown.kernel:
        sh, sw = s.span
        kw_px, kh_px = max(sw * unit, 9.0), max(sh * unit, 9.0)
        canvas.rect(x0, y0, kw_px, kh_px, g, fill=TAP, fill_opacity=0.7, stroke=FIRST, stroke_width=2)
        if s.second is not None and shown.second:
            dy, dx = s.second
            canvas.rect(x0 + max(dx * unit, 5.0 if dx else 0.0), y0 + max(dy * unit, 5.0 if dy else 0.0), kw_px, kh_px, g,
                        fill="none", stroke=SECOND, stroke_width=2, stroke_dasharray="5 3")
        canvas.text(x0 + kw_px + 6, y0 + kh_px + 12, f"{times(s.kernel)}" + (f", span {times(s.span)}" if s.dilation != (1, 1) else ""),
                    9.5, anchor="start", parent=g, fill=FIRST)


def _output(canvas: Canvas, g: ET.Element, s: Scene, shown: Shown, x0: float, y0: float, unit: float,
            cells: bool) -> None:
    oh, ow = s.output
    if cells:
        canvas.rect(x0, y0, ow * unit, oh * unit, g, fill="#fff")
        _grid(canvas, g, x0, y0, oh, ow, unit)
    else:
        canvas.rect(x0, y0, ow * unit, oh * unit, g, fill="#fff", stroke="#555", stroke_width=1)
    cell = max(unit, 6.0)
    canvas.rect(x0, y0, cell, cell, g, fill=TAP, stroke=FIRST, stroke_width=2)
    if s.second is not None and shown.second and shown.kernel:
        dy, dx = (0, 1) if s.second[1] else (1, 0)
        canvas.rect(x0 + dx * cell, y0 + dy * cell, cell, cell, g, fill=TAP2, stroke=SECOND, stroke_width=2,
                    stroke_dasharray="4 2")
