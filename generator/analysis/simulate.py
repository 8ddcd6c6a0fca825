"""A simulated class for an exam key: answers drawn from a Rasch (logistic) model, wrong
answers typed as a named misconception with a known probability. Used by the README's
screenshot (:mod:`generator.analysis.demo`) and the tests; numpy is imported inside.

Every answer comes from the key's blanks: a right answer is the blank's answer, a misconception
a distractor's answer, any other wrong answer a number (or shape, or word) that is neither.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from generator.key import Blank, Key, Paper, Problem

Chance = Callable[[float, Paper, Problem, Blank], float]
"""(student ability, paper, problem, blank) -> probability of a right answer."""


def rasch(ability: float, difficulty: float) -> float:
    """The Rasch model's probability of a right answer.

    >>> rasch(0.0, 0.0), round(rasch(1.0, 0.0), 3)
    (0.5, 0.731)
    """
    import math

    return 1.0 / (1.0 + math.exp(difficulty - ability))


def other_wrong(blank: Blank) -> str:
    """A wrong answer that is no distractor: the first of a few candidates that is neither
    accepted nor a distractor's answer."""
    taken = set(blank.accepted) | {d.answer for d in blank.distractors}
    if blank.kind == "choice":
        candidates = ["unsure", "none", "both"]
    elif blank.kind == "shape":
        dims = [int(d) for d in blank.answer.split("x")]
        candidates = ["x".join(str(d + k) for d in dims) for k in (97, 193, 389)]
    else:
        candidates = [str(int(blank.answer) + k) for k in (7919, 104_729, 1_299_709)]
    return next(c for c in candidates if c not in taken)


def simulate(key: Key, chance: Chance, mistake_rate: Callable[[Problem, Blank], float], seed: int = 0,
             students: int | None = None) -> tuple[list[float], str]:
    """Answers of a simulated class.

    Args:
        key: A master key (or any key: a worksheet key's one paper is answered by ``students``
            students called ``student 1`` ...).
        chance: The probability of a right answer.
        mistake_rate: The probability that a wrong answer is a distractor's (the blank's first
            distractor; others are typed as :func:`other_wrong`).
        seed: Seeds numpy's generator.
        students: For a one-paper key, how many students.

    Returns:
        (each student's ability, the answer CSV's text).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    papers = list(key.papers) if len(key.papers) > 1 else [key.papers[0]] * (students or 1)
    abilities = rng.normal(0.0, 1.0, len(papers))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["student_id", "question_id", "answer"])
    for i, (paper, theta) in enumerate(zip(papers, abilities, strict=True)):
        sid = paper.id or f"student {i + 1}"
        for qid, problem, blank in paper.questions():
            if rng.random() < chance(float(theta), paper, problem, blank):
                answer = blank.answer
            elif blank.distractors and rng.random() < mistake_rate(problem, blank):
                answer = blank.distractors[0].answer
            else:
                answer = other_wrong(blank)
            w.writerow([sid, qid, answer])
    return [float(a) for a in abilities], out.getvalue()
