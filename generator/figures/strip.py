"""The architecture strip: the input and every layer's output tensor as a box, left to right.

A feature map ``H × W × C`` is a cuboid: its face is ``H`` high, its depth (drawn at an angle)
``W``, its thickness ``C``, each on a log scale, so a 224-pixel map and a 7-pixel one both fit;
a vector is a thin bar as tall as its length. Boxes are coloured by layer family and carry a
pattern too (hatching for pooling, dots for dense, lines for normalization and other shape-
keeping layers), so a black-and-white copy still tells them apart.

In a key every box is labelled with its shape and the layer's parameter count. In a student's
sheet a box whose shape the student does not know (it is asked, or is work on the way to an
answer) is a dashed box with a question mark, the same size for every such box so that nothing
is given away by geometry, and an asked shape or count is labelled with its blank's number.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from generator.engine.conv import BaseConv2D
from generator.engine.layer import Layer
from generator.engine.layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    GlobalPooling2D,
    Pooling2D,
)
from generator.engine.model import Summary
from generator.engine.steps import Shape
from generator.figures.labels import layer_lines, shape_text, spoken_layer, spoken_shape
from generator.figures.svg import Canvas, num, text_width
from generator.key import Problem, ProblemType

SHAPE_FIELDS = frozenset({"output_shape", "output_height_width"})

MAX_WIDTH = 760.0
"""The strip's width; longer models wrap onto more rows."""

GAP = 22.0
FONT = 10.0
LINE = 12.5
UNKNOWN = (34.0, 46.0)


@dataclass(frozen=True)
class Family:
    """How a family of layers is drawn: fill colours (face, top, side) and a pattern."""

    name: str
    face: str
    top: str
    side: str
    pattern: str  # "", "hatch", "dots" or "rows"


INPUT = Family("input", "#e8ebf0", "#f4f6f9", "#c9ced8", "")
CONV = Family("conv", "#9fc2e8", "#c9ddf3", "#6f9fd3", "")
POOL = Family("pool", "#f3c98b", "#f9e2bf", "#d9a55a", "hatch")
DENSE = Family("dense", "#a8d5a2", "#cfe9cb", "#78b870", "dots")
KEEP = Family("keep", "#dcd0ea", "#ece5f4", "#b9a6d1", "rows")
RESHAPE = Family("reshape", "#f0f0f0", "#f7f7f7", "#d0d0d0", "")


def family(layer: Layer) -> Family:
    """The family a layer is drawn in."""
    if isinstance(layer, BaseConv2D):
        return CONV
    if isinstance(layer, Pooling2D | GlobalPooling2D):
        return POOL
    if isinstance(layer, Dense):
        return DENSE
    if isinstance(layer, BatchNormalization | Dropout | Activation):
        return KEEP
    return RESHAPE


def _scale(value: int, base: float, per_doubling: float, cap: float) -> float:
    return min(base + per_doubling * math.log2(max(value, 1)), cap)


def box_size(shape: Shape) -> tuple[float, float, float]:
    """(thickness, height, depth) of a tensor's box, log-scaled.

    >>> box_size((28, 28, 1)), box_size((576,))
    ((3.0, 54.86, 21.95), (7.0, 89.94, 0.0))
    """
    if len(shape) == 1:
        return 7.0, round(_scale(shape[0], 12, 8.5, 96), 2), 0.0
    h, w = shape[0], shape[1] if len(shape) > 1 else 1
    c = shape[2] if len(shape) > 2 else 1
    return (round(_scale(c, 3, 3.2, 34), 2), round(_scale(h, 14, 8.5, 86), 2), round(_scale(w, 14, 8.5, 86) * 0.4, 2))


@dataclass(frozen=True)
class Node:
    """One box: the tensor after ``layer`` (None: the input)."""

    layer: Layer | None
    index: int
    name: str
    shape: Shape
    params: int
    shape_known: bool
    shape_blank: str  # the label of the blank asking for the shape (``shape [3]``), or ""
    params_blank: str  # the label of the blank asking for the count (``params [4]``), or ""
    hide: str

    def lines(self, reveal: bool) -> list[tuple[str, bool]]:
        """The label under the box: (text, bold)."""
        head = [("Input", True)] if self.layer is None else [
            (line, i == 0) for i, line in enumerate(layer_lines(self.layer, "" if reveal else self.hide))]
        if reveal or self.shape_known:
            head.append((shape_text(self.shape), False))
        elif self.shape_blank:
            head.append((self.shape_blank, False))
        if self.layer is not None:
            if reveal:
                head.append((f"{self.params:,} params", False))
            elif self.params_blank:
                head.append((self.params_blank, False))
        return head

    def size(self, reveal: bool) -> tuple[float, float, float]:
        if reveal or self.shape_known:
            return box_size(self.shape)
        return UNKNOWN[0], UNKNOWN[1], 0.0


def nodes(problem: Problem, summary: Summary, numbers: dict[str, int], hidden: dict[int, str]) -> list[Node]:
    """The strip's boxes, with what a student knows of each (``hidden``: layer index -> the
    argument an inverse problem asks for)."""
    # A blank labels a box only when it asks for that box's own value: a concept's blank may
    # name a layer and ask about another one (a standard convolution's count beside a
    # separable one's).
    records = {r.index: r for r in summary.records}
    asked_shape: dict[int, str] = {}
    asked_params: dict[int, str] = {}
    for b in problem.blanks:
        record = records.get(b.layer) if b.layer is not None and b.model is None else None
        if record is None:
            continue
        if b.field == "output_shape" and b.answer == "x".join(map(str, record.output_shape)):
            asked_shape.setdefault(record.index, f"shape [{numbers[b.id]}]")
        elif b.field == "output_height_width" and b.answer == str(record.output_shape[0]):
            asked_shape.setdefault(record.index, f"height = width [{numbers[b.id]}]")
        elif b.field == "params" and b.answer == str(record.params):
            asked_params.setdefault(record.index, f"params [{numbers[b.id]}]")
    last = len(summary.records) - 1
    given_output = problem.type is ProblemType.INVERSE and "filters" not in hidden.values()
    out = [Node(None, -1, "input", summary.spec.input_shape, 0, True, "", "", "")]
    for r in summary.records:
        out.append(Node(
            r.layer, r.index, r.name, r.output_shape, r.params,
            shape_known=given_output and r.index == last and r.index not in asked_shape,
            shape_blank=asked_shape.get(r.index, ""), params_blank=asked_params.get(r.index, ""),
            hide=hidden.get(r.index, ""),
        ))
    return out


def _number(label: str) -> str:
    """The blank number of a label such as ``shape [3]``."""
    return label.rsplit("[", 1)[1].rstrip("]")


def description(items: list[Node], reveal: bool) -> str:
    """The figure's ``<desc>``: every box read out, in order, with what the page shows of it."""
    parts = []
    for n in items:
        if n.layer is None:
            parts.append(f"Input {spoken_shape(n.shape)}")
            continue
        text = spoken_layer(n.layer, "" if reveal else n.hide)
        if reveal or n.shape_known:
            text += f", gives {spoken_shape(n.shape)}"
        elif n.shape_blank:
            text += f", output {n.shape_blank.split(' [')[0]} asked in blank {_number(n.shape_blank)}"
        if reveal:
            text += f" ({n.params:,} parameters)"
        elif n.params_blank:
            text += f" (parameters asked in blank {_number(n.params_blank)})"
        parts.append(text)
    return "; ".join(parts) + "."


def strip(problem: Problem, ident: str, reveal: bool, numbers: dict[str, int], hidden: dict[int, str]) -> Canvas:
    """The architecture strip of ``problem``'s model."""
    from generator.engine import analyze

    summary = analyze(problem.model)
    return draw(nodes(problem, summary, numbers, hidden), ident, reveal)


def model_strip(summary: Summary, ident: str) -> Canvas:
    """The strip of a whole model with every shape and count (``explain --format svg``)."""
    items = [Node(None, -1, "input", summary.spec.input_shape, 0, True, "", "", "")]
    items += [Node(r.layer, r.index, r.name, r.output_shape, r.params, True, "", "", "") for r in summary.records]
    return draw(items, ident, reveal=True)


def draw(items: list[Node], ident: str, reveal: bool) -> Canvas:
    """Lays the boxes out in rows and draws them."""
    # Lay out: each box in a slot as wide as its box or its widest label line.
    slots = []
    for n in items:
        thick, height, depth = n.size(reveal)
        lines = n.lines(reveal)
        label = max(text_width(t, FONT, bold) for t, bold in lines)
        slots.append((n, thick, height, depth, lines, max(thick + depth + 6, label + 4)))
    rows = _rows(slots, len(slots))
    if len(rows) > 1:  # as many rows, filled evenly (5 and 4 boxes, not 7 and 2)
        rows = _rows(slots, -(-len(slots) // len(rows)))
    box_area = max(s[2] + s[3] * 0.6 for s in slots) + 8
    label_area = max(len(s[4]) for s in slots) * LINE + 6
    row_height = box_area + label_area + 10
    width = min(MAX_WIDTH, max(sum(s[5] for s in row) + GAP * (len(row) - 1) for row in rows) + 20)
    title = "Architecture of the model" + (" with every shape and parameter count" if reveal else "")
    canvas = Canvas(ident, width, row_height * len(rows) + 4, title, description(items, reveal))
    fills: dict[str, str] = {}

    def fill(fam: Family) -> str:
        """The family's pattern, defined in the drawing when first used."""
        if fam.pattern and fam.name not in fills:
            fills[fam.name] = canvas.pattern(fam.pattern, {"hatch": 5.0, "dots": 5.0, "rows": 4.0}[fam.pattern],
                                             fam.pattern, stroke="#555", fill="#555", stroke_width=0.7)
        return fills.get(fam.name, "")
    for r, row in enumerate(rows):
        x = 10.0
        mid = r * row_height + 6 + box_area / 2
        previous_right = None
        for n, thick, height, depth, lines, slot_width in row:
            centre = x + slot_width / 2
            left = centre - (thick + depth * 0.7) / 2
            if previous_right is not None:
                canvas.arrow(previous_right + 3, mid, left - 3, mid)
            fam = INPUT if n.layer is None else family(n.layer)
            group = canvas.group(**{"class": f"box {fam.name}"})
            if reveal or n.shape_known:
                shapes = canvas.add("g", group, stroke="#333", stroke_width=0.8, stroke_linejoin="round")
                _cuboid(canvas, shapes, left, mid, thick, height, depth, fam, fill(fam))
                previous_right = left + thick + depth * 0.7
            else:
                canvas.rect(left, mid - height / 2, thick, height, group, rx=4, fill="#fff", stroke="#555",
                            stroke_width=1.2, stroke_dasharray="4 3")
                canvas.text(left + thick / 2, mid + 6, "?", 17, bold=True, parent=group, fill="#555")
                previous_right = left + thick
            y = r * row_height + 6 + box_area + LINE
            texts = canvas.add("g", group, font_size=FONT, text_anchor="middle", fill="#1d2330", class_="label")
            for text, bold in lines:
                canvas.text(centre, y, text, None, None, bold=bold, parent=texts)
                y += LINE
            x += slot_width + GAP
    return canvas


Slot = tuple[Node, float, float, float, list[tuple[str, bool]], float]


def _rows(slots: list[Slot], most: int) -> list[list[Slot]]:
    """The slots in rows no wider than the strip, at most ``most`` to a row."""
    rows: list[list[Slot]] = [[]]
    used = 10.0
    for slot in slots:
        width = slot[5]
        if rows[-1] and (used + width > MAX_WIDTH - 10 or len(rows[-1]) == most):
            rows.append([])
            used = 10.0
        rows[-1].append(slot)
        used += width + GAP
    return rows


def _cuboid(canvas: Canvas, group: ET.Element, left: float, mid: float, thick: float, height: float, depth: float,
            fam: Family, pattern: str) -> None:
    """A box seen from the front-right: the face, then its top and side, receding by ``depth``
    (``group`` gives the outline)."""
    top, bottom = mid - height / 2, mid + height / 2
    dx, dy = depth * 0.7, -depth * 0.6
    # Shift so the whole cuboid is centred on ``mid``.
    top -= dy / 2
    bottom -= dy / 2
    # Relative paths: boxes of one size are the same characters but for the start.
    side = f"M{num(left + thick)} {num(top)}l{num(dx)} {num(dy)}v{num(bottom - top)}l{num(-dx)} {num(-dy)}z"
    if depth:
        canvas.add("path", group, d=f"M{num(left)} {num(top)}l{num(dx)} {num(dy)}h{num(thick)}l{num(-dx)} {num(-dy)}z",
                   fill=fam.top)
        canvas.add("path", group, d=side, fill=fam.side)
    canvas.rect(left, top, thick, bottom - top, group, fill=fam.face)
    if pattern:
        canvas.rect(left, top, thick, bottom - top, group, fill=pattern, stroke="none")
        if depth:
            canvas.add("path", group, d=side, fill=pattern, stroke="none")


