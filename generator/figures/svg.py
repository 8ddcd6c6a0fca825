"""A small SVG writer on :mod:`xml.etree.ElementTree` (which escapes every text and attribute):
the figures add shapes and text to a :class:`Canvas`, then serialize it, inline for HTML or as
a standalone ``.svg`` file. Attributes keep the order they are given in and numbers are written
with at most two decimals, so the same drawing is the same bytes.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

SVG_NS = "http://www.w3.org/2000/svg"

FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif"

CHAR_WIDTH = 0.6
"""Average advance of a sans-serif character, in font sizes: enough to lay labels out without
measuring glyphs (labels are short; the slot is sized from this)."""


def num(value: float, places: int = 0) -> str:
    """A coordinate as SVG reads it: whole pixels (a practice page holds thousands of figures,
    and whole numbers compress best), or ``places`` decimals where a small shape needs them; no
    trailing zeros.

    >>> num(3.0), num(2.5), num(2.51), num(-0.4), num(2.345, 1)
    ('3', '2', '3', '0', '2.3')
    """
    text = f"{value:.{places}f}"
    if places:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width a label takes, estimated from its length.

    >>> text_width("Conv2D", 10)
    36.0
    """
    return len(text) * size * CHAR_WIDTH * (1.08 if bold else 1.0)


@functools.cache
def _name(key: str) -> str:
    """An SVG attribute's name from a keyword argument's: ``stroke_width`` -> ``stroke-width``,
    ``class_`` -> ``class``."""
    return key.rstrip("_").replace("_", "-")


def _value(value: Any) -> str:
    """A number as :func:`num` writes it (whole pixels; one decimal under 3, for widths and
    opacities), anything else as text."""
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return num(value, 0 if value.is_integer() or abs(value) >= 3 else 1)
    return str(value)


def _attrs(values: dict[str, Any]) -> dict[str, str]:
    return {_name(key): _value(value) for key, value in values.items() if value is not None}


class Canvas:
    """One SVG drawing with its accessible name (``<title>``) and description (``<desc>``).

    ``ident`` prefixes every id in the drawing (the title, description and patterns), so many
    figures can share one HTML page.
    """

    def __init__(self, ident: str, width: float, height: float, title: str, desc: str) -> None:
        self.ident = ident
        self.width = width
        self.height = height
        self.root = ET.Element("svg", _attrs({
            "xmlns": SVG_NS, "viewBox": f"0 0 {num(width)} {num(height)}", "width": width, "height": height,
            "role": "img", "aria-labelledby": f"{ident}-title {ident}-desc", "class": "cnn-figure",
            "font-family": FONT,
        }))
        ET.SubElement(self.root, "title", {"id": f"{ident}-title"}).text = title
        ET.SubElement(self.root, "desc", {"id": f"{ident}-desc"}).text = desc
        self.defs = ET.SubElement(self.root, "defs")

    def pattern(self, name: str, spacing: float, shape: str, **style: Any) -> str:
        """A repeating fill: ``shape`` is ``hatch`` (diagonal lines), ``dots`` or ``rows``
        (horizontal lines). Returns the ``url(#...)`` to fill with."""
        pid = f"{self.ident}-{name}"
        pat = ET.SubElement(self.defs, "pattern", _attrs({
            "id": pid, "width": spacing, "height": spacing, "patternUnits": "userSpaceOnUse",
            **({"patternTransform": "rotate(45)"} if shape == "hatch" else {}),
        }))
        if shape == "dots":
            ET.SubElement(pat, "circle", _attrs({"cx": spacing / 2, "cy": spacing / 2, "r": spacing / 5, **style}))
        else:
            ET.SubElement(pat, "line", _attrs({"x1": 0, "y1": spacing / 2, "x2": spacing, "y2": spacing / 2, **style}))
        return f"url(#{pid})"

    def group(self, **attrs: Any) -> ET.Element:
        return ET.SubElement(self.root, "g", _attrs(attrs))

    def add(self, tag: str, parent: ET.Element | None = None, text: str | None = None, **attrs: Any) -> ET.Element:
        element = ET.SubElement(self.root if parent is None else parent, tag, _attrs(attrs))
        if text is not None:
            element.text = text
        return element

    def rect(self, x: float, y: float, w: float, h: float, parent: ET.Element | None = None, **style: Any) -> ET.Element:
        return self.add("rect", parent, x=x, y=y, width=w, height=h, **style)

    def polygon(self, points: Iterable[tuple[float, float]], parent: ET.Element | None = None, places: int = 0,
                **style: Any) -> ET.Element:
        return self.add("polygon", parent, points=" ".join(f"{num(x, places)},{num(y, places)}" for x, y in points),
                        **style)

    def line(self, x1: float, y1: float, x2: float, y2: float, parent: ET.Element | None = None, **style: Any) -> ET.Element:
        return self.add("line", parent, x1=x1, y1=y1, x2=x2, y2=y2, **style)

    def text(self, x: float, y: float, text: str, size: float | None = 10, anchor: str | None = "middle",
             bold: bool = False, parent: ET.Element | None = None, **style: Any) -> ET.Element:
        """A line of text; ``size`` and ``anchor`` None inherit the enclosing group's."""
        return self.add("text", parent, text, x=x, y=y, font_size=size, text_anchor=anchor,
                        **({"font-weight": "bold"} if bold else {}), **style)

    def arrow(self, x1: float, y1: float, x2: float, y2: float, parent: ET.Element | None = None,
              color: str = "#333", width: float = 1.2) -> None:
        """A line with a filled head at (``x2``, ``y2``)."""
        import math

        self.line(x1, y1, x2, y2, parent, stroke=color, stroke_width=width)
        angle = math.atan2(y2 - y1, x2 - x1)
        size = 5.0
        left = (x2 - size * math.cos(angle - 0.45), y2 - size * math.sin(angle - 0.45))
        right = (x2 - size * math.cos(angle + 0.45), y2 - size * math.sin(angle + 0.45))
        self.polygon([(x2, y2), left, right], parent, places=1, fill=color)

    def inline(self) -> str:
        """The drawing as an ``<svg>`` element for an HTML page: what ``ET.tostring`` writes
        (escaping included), in a fifth of its time (a drawing has no tails, comments or
        namespaces to manage)."""
        out: list[str] = []
        _write(self.root, out)
        return "".join(out)

    def document(self) -> str:
        """The drawing as a standalone ``.svg`` file."""
        return standalone(self.inline())


def standalone(svg: str) -> str:
    """An inline ``<svg>`` element as a ``.svg`` file."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                            "\t": "&#09;"})


def _write(element: ET.Element, out: list[str]) -> None:
    out.append(f"<{element.tag}")
    for key, value in element.attrib.items():
        out.append(f' {key}="{value.translate(_ATTRIBUTE)}"')
    if element.text or len(element):
        out.append(">")
        if element.text:
            out.append(element.text.translate(_TEXT))
        for child in element:
            _write(child, out)
        out.append(f"</{element.tag}>")
    else:
        out.append(" />")
