"""Drawing a worksheet's problems from its slots: one random stream per slot, no repeats, and the
topics a worksheet promises (``covers:``) guaranteed.

Each slot's stream is seeded by (build seed, worksheet name, what the slot pins, which
occurrence of such a slot it is, its re-roll ``seed``), never by its position, so adding a slot
or re-rolling one leaves every other problem as it was. A draw that repeats an earlier problem
(the same answers on this sheet, or the same question anywhere in the build) or that leaves a
promised topic uncovered is drawn again from the same slot's stream.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace

from generator.errors import UserError
from generator.key import Problem, ProblemType
from generator.output import derive_seed
from generator.problems.features import CONCEPT_TOPICS, features
from generator.problems.slot import LAYER_CHOICES, Slot, stream_keys
from generator.problems.types import generate
from generator.sampler import Difficulty

ATTEMPTS = 40
"""Draws a slot gets to avoid a repeat or to show a missing topic."""


@dataclass
class Seen:
    """What a build has already used, so no problem repeats across its worksheets."""

    questions: set[tuple[object, ...]] = field(default_factory=set)


Draw = Callable[[int, int, Sequence[Problem], Slot], Problem]

TOPIC_LAYERS = {
    "conv2d": ("Conv2D",), "max_pooling": ("MaxPooling2D",), "average_pooling": ("AveragePooling2D",),
    "global_pooling": ("GlobalAveragePooling2D", "GlobalMaxPooling2D"), "flatten": ("Flatten",), "dense": ("Dense",),
    "batch_normalization": ("BatchNormalization",), "depthwise": ("DepthwiseConv2D",),
    "separable": ("SeparableConv2D",), "transposed": ("Conv2DTranspose",), "upsampling": ("UpSampling2D",),
    "zero_padding": ("ZeroPadding2D",),
}
"""The layer types that show a topic, for steering an unpinned layer problem towards it."""

TOPIC_FINDS = {"dilation": "dilation", "strides": "stride", "zero_padding": "zero_padding"}
"""The inverse problems that show a topic."""


def steered(slot: Slot, topic: str) -> Slot | None:
    """The slot narrowed to show ``topic``, where what it leaves open allows that, else None.

    >>> steered(Slot(ProblemType.LAYER_SHAPE), "upsampling").layers
    ('UpSampling2D',)
    """
    if slot.model is not None:
        return None
    layers = tuple(t for t in TOPIC_LAYERS.get(topic, ()) if t in LAYER_CHOICES.get(slot.type, ()))
    if layers and not slot.layers:
        return replace(slot, layers=layers)
    if slot.type is ProblemType.CONCEPT and slot.topic is None and topic in CONCEPT_TOPICS:
        return replace(slot, topic=topic)
    if slot.type is ProblemType.INVERSE and slot.find is None and topic in TOPIC_FINDS:
        return replace(slot, find=TOPIC_FINDS[topic])
    return None


def _question(problem: Problem) -> tuple[object, ...]:
    return (problem.type, problem.prompt, problem.model, _answers(problem))


def _answers(problem: Problem) -> tuple[str, ...]:
    return tuple(b.answer for b in problem.blanks)


def _variants_on(problems: Sequence[Problem], slot: Slot) -> set[str]:
    return {p.variant for p in problems if p.type is slot.type}


def draw_problems(slots: Sequence[Slot], seed: int, scope: str, level: Difficulty, prefix: str,
                  covers: Collection[str] = (), seen: Seen | None = None) -> list[Problem]:
    """The problems of one worksheet (ids ``{prefix}p1`` ...), one per slot, in slot order.

    Raises:
        UserError: a promised topic that no slot can show at this level.
    """
    seen = seen if seen is not None else Seen()
    keys = stream_keys(slots)

    def draw(i: int, attempt: int, problems: Sequence[Problem], slot: Slot) -> Problem:
        identity, n = keys[i]
        rng = random.Random(derive_seed(seed, scope, identity, n, *((attempt,) if attempt else ())))
        problem = generate(slot, rng, level, f"{prefix}p{i + 1}", avoid=_variants_on(problems, slot))
        return problem if slot.points is None else replace(problem, points=slot.points)

    problems: list[Problem] = []
    for i in range(len(slots)):
        answers = {_answers(p) for p in problems}
        for attempt in range(ATTEMPTS):
            problem = draw(i, attempt, problems, slots[i])
            if _answers(problem) not in answers and _question(problem) not in seen.questions:
                break
        problems.append(problem)  # a slot that cannot avoid a repeat keeps its last draw
    for topic in covers:
        if not any(topic in features(p) for p in problems):
            _cover(topic, problems, slots, draw, covers, seen)
    seen.questions.update(_question(p) for p in problems)
    return problems


def _cover(topic: str, problems: list[Problem], slots: Sequence[Slot], draw: Draw,
           covers: Collection[str], seen: Seen) -> None:
    """Redraws one slot (the last unpinned ones first) until ``topic`` appears without losing
    another promised topic; a UserError when no slot can."""
    shown = set(covers) & set().union(*(features(p) for p in problems))
    for i in reversed(range(len(slots))):
        others = problems[:i] + problems[i + 1:]
        for slot in (steered(slots[i], topic), slots[i] if slots[i].model is None else None):
            for attempt in range(1, ATTEMPTS * 5 if slot is not None else 0):
                assert slot is not None
                candidate = draw(i, ATTEMPTS + attempt, others, slot)
                after: set[str] = set().union(*(features(p) for p in others), features(candidate))
                if topic in after and shown <= after and _question(candidate) not in seen.questions:
                    problems[i] = candidate
                    return
    raise UserError(
        f"covers {topic!r}: no problem of this worksheet shows it after {ATTEMPTS * 5} draws per slot; "
        "add a slot that asks for it (layers: [...], find:, topic: or model:)"
    )
