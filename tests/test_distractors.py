"""Multiple choice that measures knowledge: distractors come from named misconceptions only, are
whole and positive, never bracket the answer, and the right answer's place among the sorted
options is even."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from generator.answers import display
from generator.exports.content import multiple_choice, order_key, variant_salt
from generator.problems import generate
from generator.sampler import Difficulty
from helpers import exam_key

TYPES = ("layer_shape", "layer_params", "inverse", "concept", "summary_table")


def _blanks(count: int):
    rng = random.Random(99)
    for i in range(count):
        problem = generate(TYPES[i % len(TYPES)], rng, list(Difficulty)[i % 3], f"p{i}")
        for b in problem.blanks:
            yield problem, b


@pytest.fixture(scope="module")
def blanks():
    return list(_blanks(600))


def test_only_named_misconceptions(blanks):
    mistakes = Counter(d.mistake for _, b in blanks for d in b.distractors)
    assert mistakes and not [m for m in mistakes if m in ("off by one", "arithmetic slip") or len(m) < 12]


def test_distractors_are_whole_positive_and_never_bracket_the_answer(blanks):
    checked = 0
    for _, b in blanks:
        if b.kind == "choice":
            continue
        values = [order_key(d.answer, b.kind)[1] for d in b.distractors]
        right = order_key(b.answer, b.kind)[1]
        for v in values:
            assert all(isinstance(x, int) and x > 0 for x in v) or b.kind == "int" and v == (0,), (b.label, v)
            mirror = tuple(2 * r - x for r, x in zip(right, v, strict=False))
            assert len(v) != len(right) or mirror not in values, (b.label, b.answer, v)
            checked += 1
    assert checked > 1000


def test_every_wrong_option_names_its_misconception_and_the_right_step():
    key = exam_key(20, seed=3)
    paper = key.papers[0]
    salt = variant_salt(key.seed, paper.id)
    seen = 0
    for _, problem, blank in paper.questions():
        choice = multiple_choice(problem, blank, salt)
        mistakes = {display(d.answer, blank.kind): d.mistake for d in blank.distractors}
        for option in choice.options if choice else ():
            if not option.correct:
                assert f"this is what you get if you {mistakes[option.text]}." in option.feedback
                assert "The right way: " in option.feedback
                seen += 1
    assert seen >= 5


def test_the_right_answer_sits_evenly_among_the_sorted_options():
    """Over 1,000 multiple-choice items of a class's exams, no place in the sorted options holds
    the right answer more than 1/k + 5% of the time (k options)."""
    key = exam_key(150, seed=2026)
    places: dict[int, Counter[int]] = defaultdict(Counter)
    for paper in key.papers:
        salt = variant_salt(key.seed, paper.id)
        for _, problem, blank in paper.questions():
            choice = multiple_choice(problem, blank, salt) if blank.kind != "choice" else None
            if choice is None:
                continue
            answers = [blank.answer] + [d.answer for d in blank.distractors]
            shown = {o.text: o for o in choice.options}
            ranked = sorted((a for a in answers if _shown(a, blank.kind) in shown), key=lambda a: order_key(a, blank.kind))
            places[len(ranked)][ranked.index(blank.answer)] += 1
    assert sum(sum(c.values()) for c in places.values()) >= 1000
    for k, counts in places.items():
        n = sum(counts.values())
        if n >= 50:
            assert max(counts.values()) / n <= 1 / k + 0.05, (k, dict(counts))


def _shown(answer: str, kind: str) -> str:
    return display(answer, kind)
