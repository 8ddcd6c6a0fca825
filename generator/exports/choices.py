"""The multiple-choice version of a blank: the right answer as the key shows it and computed wrong
answers from named misconceptions, in an order drawn from the exam seed and the student (see
:mod:`generator.exports.content`, which re-exports these names)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from generator.answers import display
from generator.key import Blank, Distractor, Problem

T = TypeVar("T")

MAX_DISTRACTORS = 4
"""Wrong options in a multiple-choice version (the blank's first, most typical, mistakes)."""


def qid(problem: Problem, blank: Blank) -> str:
    """The grading id ``{problem id}.{blank id}``."""
    return f"{problem.id}.{blank.id}"


def seeded_order(items: Iterable[T], salt: str, key: Callable[[T], str]) -> list[T]:
    """``items`` in an order that looks random but depends only on ``salt`` and each item's key.

    >>> seeded_order("abc", "s", str) == seeded_order("cab", "s", str)
    True
    """
    return sorted(items, key=lambda item: hashlib.sha256(f"{salt}\x00{key(item)}".encode()).hexdigest())


@dataclass(frozen=True)
class Option:
    """One option of a multiple-choice question.

    Attributes:
        text: The answer as the key shows it: ``(None, 26, 26, 32)``, ``18,496``, ``same``.
        correct: Whether it is the right answer.
        feedback: Why a student picks it: the mistake behind a wrong option.
    """

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class MultipleChoice:
    """The multiple-choice version of a blank: exactly one right option."""

    qid: str
    label: str
    options: tuple[Option, ...]

    @property
    def right(self) -> Option:
        """The right option."""
        return next(o for o in self.options if o.correct)


def multiple_choice(problem: Problem, blank: Blank, salt: str) -> MultipleChoice | None:
    """The multiple-choice version of ``blank``, or None when it has no distractors.

    The right option is the blank's ``answer`` (other accepted answers are left out, so exactly
    one option is right); the wrong ones are up to :data:`MAX_DISTRACTORS` of its distractors
    (see :func:`pick_distractors`), each with feedback naming its mistake and showing the right
    step. ``salt`` (:func:`variant_salt`) fixes the choice and the order.

    >>> from generator.engine import ModelSpec
    >>> from generator.engine.layers import Conv2D
    >>> from generator.key import Distractor, ProblemType
    >>> wrong = (Distractor("288", "dropped the bias"), Distractor("352", "counted the bias twice"))
    >>> b = Blank("p", "Param #", "int", "320", ("320",), (), wrong)
    >>> p = Problem("q1", ProblemType.LAYER_PARAMS, "intro", "t", "", (b,), (),
    ...             ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),)))
    >>> options = multiple_choice(p, b, "seed").options  # one mistake each side: one is drawn
    >>> [o.text for o in options if o.correct], len(options), {o.text for o in options} < {"288", "320", "352"}
    (['320'], 2, True)
    """
    kind, seen = blank.kind, set(blank.accepted)
    candidates: list[Distractor] = []
    for distractor in blank.distractors:
        if distractor.answer not in seen:
            seen.add(distractor.answer)
            candidates.append(distractor)
    if not candidates:
        return None
    grading_id = qid(problem, blank)
    wrong = pick_distractors(blank, candidates, f"{salt}\x00{grading_id}")
    if not wrong:
        return None
    right_step = _right_step(blank)
    options = [Option(display(blank.answer, kind), True, "Right.")]
    options += [Option(display(d.answer, kind), False, f"Not quite: this is what you get if you {d.mistake}.{right_step}")
                for d in wrong]
    ordered = seeded_order(options, f"{salt}\x00{grading_id}", lambda o: o.text)
    return MultipleChoice(grading_id, blank.label, tuple(ordered))


def order_key(answer: str, kind: str) -> tuple[int, tuple[int, ...], str]:
    """Where an answer stands among a question's options when they are sorted: by value (a
    shape by its number of values, then axis by axis).

    >>> order_key("26x26x32", "shape") < order_key("27x27x32", "shape"), order_key("9", "int")
    (True, (9, (9,), '9'))
    """
    if kind == "int":
        return int(answer), (int(answer),), answer
    if kind == "shape":
        dims = tuple(int(d) for d in answer.split("x"))
        return math.prod(dims), dims, answer
    return 0, (), answer


def pick_distractors(blank: Blank, candidates: Sequence[Distractor], salt: str) -> list[Distractor]:
    """The wrong options: as many as the right answer can have on *both* sides among the sorted
    options (at most :data:`MAX_DISTRACTORS`), with its place drawn evenly from all of them, so a
    student cannot win by picking the middle, the largest or the smallest value. A blank whose
    misconceptions all lie on one side of the answer gets none (no multiple-choice version). The
    most typical mistakes (listed first) are used first on each side. Choices (``valid`` /
    ``same``) are not ordered and keep their first mistakes."""
    if blank.kind == "choice":
        return list(candidates[:MAX_DISTRACTORS])
    key = order_key(blank.answer, blank.kind)
    below = [d for d in candidates if order_key(d.answer, blank.kind) < key]
    above = [d for d in candidates if order_key(d.answer, blank.kind) > key]
    count = min(MAX_DISTRACTORS, len(below), len(above))
    if count == 0:
        return []
    digest = int(hashlib.sha256(f"rank\x00{salt}".encode()).hexdigest(), 16)
    n_below = digest % (count + 1)
    return below[:n_below] + above[:count - n_below]


def _right_step(blank: Blank) -> str:
    """`` The right way: ...`` from the blank's worked steps (the ones that compute something)."""
    worked = [s.text for s in blank.steps if s.value is not None] or [s.text for s in blank.steps]
    return f" The right way: {'; '.join(worked)[:400]}." if worked else ""
