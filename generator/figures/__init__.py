"""Figures of a problem, as SVG made from the engine's records (no external service): the
architecture strip of its model (:mod:`~generator.figures.strip`) and, for a problem about one
sliding window's shape, padding, stride or dilation, the sliding-window figure
(:mod:`~generator.figures.window`).

A figure comes in two versions: the key's (``reveal=True``: every shape and count) and the
student's, which leaves out whatever the problem asks and labels it with the blank's number
(:func:`blank_numbers`). Each SVG has ``role="img"``, a ``<title>`` and a ``<desc>`` written
from the same data as the drawing. The same problem gives the same bytes.

>>> import random
>>> from generator.key import ProblemType
>>> from generator.problems import generate
>>> from generator.problems.slot import Slot
>>> from generator.sampler import Difficulty
>>> p = generate(Slot(ProblemType.LAYER_SHAPE, layers=("Conv2D",)), random.Random(1), Difficulty.INTRO, "p1")
>>> [f.name for f in problem_figures(p, reveal=False)]
['p1-strip', 'p1-window']
>>> [f.name for f in problem_figures(p, reveal=True)]
['p1-strip-key', 'p1-window-key']
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.engine.model import ModelSpec, Summary
from generator.figures.strip import SHAPE_FIELDS, model_strip, strip
from generator.figures.svg import Canvas, standalone
from generator.figures.window import Shown, scene, window
from generator.key import Problem, ProblemType

__all__ = ["Figure", "blank_numbers", "model_figure", "problem_figures", "window_figure"]

NO_STRIP = frozenset({"conv_one", "conv_map"})
"""Concept topics whose model is only the frame of a computation by hand (the grid of numbers
in the question is the picture)."""

WINDOW_TOPICS = frozenset({"same_vs_valid", "fits", "effective_kernel", "pool_cost"})
"""Concept topics about one sliding window."""

# What an inverse problem asks (its variant), as the argument hidden in a student's figure.
_UNKNOWN = {"kernel": "kernel_size", "stride": "strides", "padding_mode": "padding", "zero_padding": "padding",
            "dilation": "dilation_rate", "filters": "filters"}


@dataclass(frozen=True)
class Figure:
    """One figure of a problem.

    Attributes:
        name: The file stem (``w1p3-strip``, ``w1p3-strip-key``), unique in a document.
        kind: ``strip`` or ``window``.
        title: The accessible name (the SVG's ``<title>``).
        desc: The accessible description (the SVG's ``<desc>``).
        svg: The ``<svg>`` element, for an HTML page.
        document: The standalone ``.svg`` file.
    """

    name: str
    kind: str
    title: str
    desc: str
    svg: str
    document: str

    @classmethod
    def of(cls, name: str, kind: str, canvas: Canvas) -> Figure:
        """The figure drawn on ``canvas``."""
        title = canvas.root.findtext("title") or ""
        desc = canvas.root.findtext("desc") or ""
        svg = canvas.inline()
        return cls(name, kind, title, desc, svg, standalone(svg))


def _topic(problem: Problem) -> str:
    return problem.variant.split(":", 1)[0] if problem.type is ProblemType.CONCEPT else ""


def blank_numbers(problem: Problem) -> dict[str, int]:
    """Blank id -> its number in the problem (1, 2, ...), as the sheet prints it beside the box and
    a student's figure labels what it asks: every blank of a problem whose figures name a blank,
    none otherwise.

    >>> import random
    >>> from generator.problems import generate
    >>> from generator.problems.slot import Slot
    >>> from generator.sampler import Difficulty
    >>> p = generate(Slot(ProblemType.SUMMARY_TABLE), random.Random(1), Difficulty.INTRO, "p1")
    >>> list(blank_numbers(p).values())[:3]
    [1, 2, 3]
    """
    if not _has_strip(problem) or not any(b.layer is not None for b in problem.blanks):
        return {}
    return {b.id: i for i, b in enumerate(problem.blanks, start=1)}


def _has_strip(problem: Problem) -> bool:
    return (bool(problem.model.layers) and not problem.model.is_graph and not problem.model.is_torch
            and _topic(problem) not in NO_STRIP)


def _has_window(problem: Problem) -> bool:
    if problem.model.is_torch:  # the figures draw Keras' channels-last layers
        return False
    if problem.type is ProblemType.LAYER_SHAPE or problem.type is ProblemType.INVERSE:
        return problem.variant != "filters"
    return _topic(problem) in WINDOW_TOPICS


def hidden_arguments(problem: Problem) -> dict[int, str]:
    """Layer index -> the argument an inverse problem asks for (drawn as ``?`` for a student)."""
    if problem.type is not ProblemType.INVERSE or problem.variant not in _UNKNOWN:
        return {}
    arg = _UNKNOWN[problem.variant]
    if problem.variant == "zero_padding":
        return {0: arg}
    return {len(problem.model.layers) - 1: arg}


def shown(problem: Problem, reveal: bool, numbers: dict[str, int]) -> Shown | None:
    """What a student's window figure may show; None when nothing worth drawing is left."""
    if reveal:
        return Shown()
    asked = problem.variant if problem.type is ProblemType.INVERSE else ""
    output_known = problem.type is ProblemType.INVERSE
    blank = next((b for b in problem.blanks if b.field in SHAPE_FIELDS), None)
    result = Shown(
        output=output_known,
        kernel=asked not in ("kernel", "dilation") and _topic(problem) != "effective_kernel",
        second=asked != "stride",
        padding=asked not in ("padding_mode", "zero_padding"),
        output_blank=str(numbers[blank.id]) if blank is not None and blank.id in numbers else "",
    )
    return result if result.kernel or result.output else None


def problem_figures(problem: Problem, reveal: bool, scope: str = "") -> tuple[Figure, ...]:
    """The figures of ``problem``: the key's (``reveal``) or the student's. ``scope`` prefixes
    the ids inside each SVG (not the file names), for a page that holds several students' papers."""
    suffix = "-key" if reveal else ""
    numbers = blank_numbers(problem)
    prefix = f"{scope}-" if scope else ""
    out = []
    if _has_strip(problem):
        name = f"{problem.id}-strip{suffix}"
        out.append(Figure.of(name, "strip", strip(problem, prefix + name, reveal, numbers, hidden_arguments(problem))))
    if _has_window(problem):
        found = scene(problem.model)
        what = shown(problem, reveal, numbers)
        if found is not None and what is not None:
            name = f"{problem.id}-window{suffix}"
            out.append(Figure.of(name, "window", window(found, prefix + name, what)))
    return tuple(out)


def model_figure(summary: Summary, name: str = "model") -> Figure:
    """The architecture strip of an analysed model, every shape and count labelled."""
    return Figure.of(name, "strip", model_strip(summary, name))


def window_figure(spec: ModelSpec, name: str = "window") -> Figure | None:
    """The sliding-window figure of a one-window model, everything shown; None for another model."""
    found = scene(spec)
    return None if found is None else Figure.of(name, "window", window(found, name, Shown()))
