"""Item statistics of a graded class: one :class:`ItemStats` per slot (a problem id across
students) and per question, the breakdowns by the problems' parameters, and the exam's score
distribution and reliability (:class:`Analysis`).

numpy and scipy are imported inside :func:`analyze` (the ``analysis`` extra), never at import.

Definitions (one row per student, one column per question; a question not on a student's paper
is left out of that question's figures):

* difficulty: the proportion of students right (1.0: everyone right); for a slot, the mean of
  the points scored over the slot's points.
* point-biserial: the Pearson correlation of the item score with the rest score (the student's
  points minus the item's own), so an item does not correlate with itself.
* upper-lower index: the item's difficulty among the 27% of students with the highest totals
  minus that among the 27% with the lowest.
* KR-20 over the questions (right or not), Cronbach's alpha over the slots (points).
* a breakdown groups a question's students by one factor (:mod:`generator.analysis.factors`)
  and tests whether the proportion right differs: Fisher's exact test for two levels,
  the chi-square test of independence for more.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.analysis.factors import FACTORS, question_factors
from generator.errors import UserError
from generator.grading import Report, Status, StudentResult
from generator.key import Key, KeyKind, Paper
from generator.problems.difficulty import score

NEAR_ZERO = 0.1
"""A point-biserial below this (and not negative) is flagged as near zero."""

ALPHA = 0.05
"""A breakdown whose test gives a p-value below this is flagged."""

UPPER_LOWER = 0.27
"""The share of students in each of the upper and lower groups."""

MIN_GROUP = 5
"""A level needs this many students to enter a test."""


@dataclass(frozen=True)
class Level:
    """One level of a factor for one question: how many students, how many right."""

    level: str
    students: int
    right: int

    @property
    def difficulty(self) -> float:
        return self.right / self.students if self.students else 0.0


@dataclass(frozen=True)
class Breakdown:
    """A question's students grouped by one factor, with the test of a difference.

    Attributes:
        item: The question id.
        factor: The factor (``padding & stride``).
        levels: One entry per level, hardest first.
        test: ``Fisher's exact`` or ``chi-square``, or ``""`` when too few students to test.
        p_value: The test's p-value, or None.
    """

    item: str
    factor: str
    levels: tuple[Level, ...]
    test: str
    p_value: float | None

    @property
    def flagged(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


@dataclass(frozen=True)
class ItemStats:
    """How the class did on one slot or one question.

    Attributes:
        id: ``q3`` (slot) or ``q3.l0_shape`` (question).
        label: What the question asks for, or the slot's problem type and variant.
        slot: The slot's id (its own id for a slot).
        students: Students with the item on their paper.
        right: Students right (for a slot: with every question of it right).
        difficulty: Proportion right (see the module docstring), or None without students.
        point_biserial: Correlation with the rest score, or None when it cannot vary.
        upper_lower: The upper-lower 27% index, or None.
        mistakes: Named misconceptions, most frequent first: (mistake, students who made it
            at least once in the item).
        other_wrong: Wrong, unreadable or unanswered answers that match no named mistake.
    """

    id: str
    label: str
    slot: str
    students: int
    right: int
    difficulty: float | None
    point_biserial: float | None
    upper_lower: float | None
    mistakes: tuple[tuple[str, int], ...]
    other_wrong: int

    @property
    def is_slot(self) -> bool:
        return self.id == self.slot

    @property
    def flag(self) -> str:
        """Why the item needs a look: ``negative discrimination``, ``near-zero
        discrimination``, or ``""``."""
        if self.point_biserial is None:
            return ""
        if self.point_biserial < 0:
            return "negative discrimination"
        if self.point_biserial < NEAR_ZERO:
            return "near-zero discrimination"
        return ""


@dataclass(frozen=True)
class Analysis:
    """The item analysis of one graded class.

    Attributes:
        title: The key's title.
        key_kind: The key's kind.
        students: The students' results (names and scores, for the page's student table).
        scores: Each student's score in percent, in the order of ``students``.
        slots: One entry per slot, in key order.
        questions: One entry per question, in key order.
        breakdowns: Every breakdown with at least two levels, in key and factor order.
        mean: Mean score (percent).
        median: Median score (percent).
        sd: Standard deviation of the scores (percent points).
        kr20: KR-20 over the questions every student has, or None.
        alpha: Cronbach's alpha over the slots, or None.
    """

    title: str
    key_kind: KeyKind
    students: tuple[StudentResult, ...]
    scores: tuple[float, ...]
    slots: tuple[ItemStats, ...]
    questions: tuple[ItemStats, ...]
    breakdowns: tuple[Breakdown, ...]
    mean: float
    median: float
    sd: float
    kr20: float | None
    alpha: float | None

    @property
    def flagged(self) -> tuple[ItemStats, ...]:
        """Slots and questions flagged for their discrimination."""
        return tuple(i for i in (*self.slots, *self.questions) if i.flag)

    @property
    def flagged_breakdowns(self) -> tuple[Breakdown, ...]:
        return tuple(b for b in self.breakdowns if b.flagged)


def require_libraries() -> None:
    """Raises a one-line UserError naming the ``analysis`` extra when numpy, scipy or
    matplotlib is missing."""
    missing = []
    for name in ("numpy", "scipy", "matplotlib"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise UserError(
            f"the item analysis needs {', '.join(missing)}: install the 'analysis' extra "
            f"(pip install -e '.[analysis]')"
        )


def _papers(report: Report, key: Key) -> list[Paper]:
    """The paper of each graded student, in the report's order."""
    if key.kind is not KeyKind.MASTER:
        return [key.papers[0]] * len(report.students)
    by_id = {p.id: p for p in key.papers}
    try:
        return [by_id[s.id] for s in report.students]
    except KeyError as exc:
        raise UserError(f"the report names student {exc.args[0]!r}, who is not in the key") from None


def _float(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def analyze(report: Report, key: Key) -> Analysis:
    """The item analysis of a graded class.

    Args:
        report: What :func:`generator.grading.grade` returned for ``key``.
        key: The key it was graded against (the problems' parameters come from it).

    Returns:
        The analysis.

    Raises:
        UserError: numpy, scipy or matplotlib is missing, or no student was graded.
    """
    require_libraries()
    import numpy as np

    if not report.students:
        raise UserError("no student to analyze")
    qids = list(report.question_ids)
    col = {q: j for j, q in enumerate(qids)}
    n, m = len(report.students), len(qids)
    right = np.zeros((n, m))
    points = np.zeros((n, m))
    worth = np.zeros((n, m))
    present = np.zeros((n, m), dtype=bool)
    papers = _papers(report, key)
    labels = {qid: (problem.id, blank.label) for p in {id(p): p for p in papers}.values()
              for qid, problem, blank in p.questions()}
    mistakes: list[Counter[str]] = [Counter() for _ in qids]
    slot_mistakes: dict[str, Counter[str]] = {}
    other = np.zeros(m, dtype=int)
    for i, student in enumerate(report.students):
        made: dict[str, set[str]] = {}
        for q in student.questions:
            j = col[q.question_id]
            present[i, j] = True
            worth[i, j] = q.points
            if q.status is Status.RIGHT:
                right[i, j] = 1.0
                points[i, j] = q.points
            elif q.mistake:
                mistakes[j][q.mistake] += 1
                made.setdefault(labels[q.question_id][0], set()).add(q.mistake)
            else:
                other[j] += 1
        for sid, names in made.items():
            slot_mistakes.setdefault(sid, Counter()).update(names)
    total = points.sum(axis=1)
    scores = np.array([s.score for s in report.students])
    order = np.lexsort((np.arange(n), total))  # ties broken by roster order: deterministic
    k = max(1, int(math.ceil(UPPER_LOWER * n)))
    lower, upper = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    lower[order[:k]], upper[order[n - k:]] = True, True

    def discrimination(share: Any, item_points: Any, mask: Any) -> tuple[Any, Any]:
        """Per column: the correlation of the item's share right with the rest score (total
        minus the item's points), and the upper-lower index of the share."""
        rest = total[:, None] - item_points
        x, y, w = np.where(mask, share, 0.0), np.where(mask, rest, 0.0), mask.astype(float)
        cnt = w.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mx, my = x.sum(axis=0) / cnt, y.sum(axis=0) / cnt
            vx = (x * x).sum(axis=0) / cnt - mx * mx
            vy = (y * y).sum(axis=0) / cnt - my * my
            r = ((x * y).sum(axis=0) / cnt - mx * my) / np.sqrt(vx * vy)
            r[(vx <= 1e-12) | (vy <= 1e-12)] = np.nan
            up = (x * upper[:, None]).sum(axis=0) / (w * upper[:, None]).sum(axis=0)
            low = (x * lower[:, None]).sum(axis=0) / (w * lower[:, None]).sum(axis=0)
        return r, up - low

    q_r, q_ul = discrimination(right, points, present)
    with np.errstate(invalid="ignore", divide="ignore"):
        q_diff = right.sum(axis=0) / present.sum(axis=0)
    questions = tuple(
        ItemStats(qid, labels[qid][1], labels[qid][0], int(present[:, j].sum()), int(right[:, j].sum()),
                  _float(q_diff[j]), _float(q_r[j]), _float(q_ul[j]),
                  tuple(sorted(mistakes[j].items(), key=lambda kv: (-kv[1], kv[0]))), int(other[j]))
        for j, qid in enumerate(qids)
    )
    slot_ids = list(dict.fromkeys(labels[q][0] for q in qids))
    members = {s: [col[q] for q in qids if labels[q][0] == s] for s in slot_ids}
    s_points = np.stack([points[:, members[s]].sum(axis=1) for s in slot_ids], axis=1)
    s_worth = np.stack([worth[:, members[s]].sum(axis=1) for s in slot_ids], axis=1)
    s_present = s_worth > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(s_present, s_points / np.where(s_present, s_worth, 1), 0.0)
        s_diff = share.sum(axis=0) / s_present.sum(axis=0)
    s_r, s_ul = discrimination(share, s_points, s_present)
    first_problem: dict[str, Any] = {}
    for paper in papers[:1]:
        for problem in paper.problems:
            first_problem[problem.id] = problem
    slots = []
    for c, sid in enumerate(slot_ids):
        js = members[sid]
        counter = slot_mistakes.get(sid, Counter())
        full = int(((right[:, js] == 1) | ~present[:, js]).all(axis=1)[s_present[:, c]].sum())
        first = first_problem.get(sid)
        label = f"{first.type.value} ({first.variant})" if first and first.variant else (
            first.type.value if first else sid)
        slots.append(ItemStats(
            sid, label, sid, int(s_present[:, c].sum()), full, _float(s_diff[c]), _float(s_r[c]),
            _float(s_ul[c]), tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))),
            int(sum(other[j] for j in js)),
        ))
    breakdowns = _breakdowns(qids, papers, right, present)
    complete = present.all(axis=0)
    kr20 = _kr20(right[:, complete]) if complete.sum() > 1 and n > 1 else None
    alpha = _alpha(s_points[:, s_present.all(axis=0)]) if s_present.all(axis=0).sum() > 1 and n > 1 else None
    return Analysis(
        report.title, key.kind, report.students, tuple(float(s) for s in scores), tuple(slots), questions,
        breakdowns, float(np.mean(scores)), float(np.median(scores)), float(np.std(scores)), kr20, alpha,
    )


def _kr20(items: Any) -> float | None:
    """KR-20 of a students x items matrix of 0/1 (population variances).

    >>> import numpy as np
    >>> round(_kr20(np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]])), 3)
    0.75
    """
    import numpy as np

    k = items.shape[1]
    var = np.var(items.sum(axis=1))
    if var <= 0:
        return None
    p = items.mean(axis=0)
    return float(k / (k - 1) * (1 - np.sum(p * (1 - p)) / var))


def _alpha(items: Any) -> float | None:
    """Cronbach's alpha of a students x items matrix of scores (sample variances)."""
    import numpy as np

    k = items.shape[1]
    var = np.var(items.sum(axis=1), ddof=1)
    if var <= 0:
        return None
    return float(k / (k - 1) * (1 - np.sum(np.var(items, axis=0, ddof=1)) / var))


def _breakdowns(qids: Sequence[str], papers: Sequence[Paper], right: Any, present: Any) -> tuple[Breakdown, ...]:
    """Every question's breakdown by each factor that has two levels or more."""
    import numpy as np

    col = {q: j for j, q in enumerate(qids)}
    cache: dict[int, dict[str, dict[str, str]]] = {}
    for paper in papers:
        per_q = cache.get(id(paper))
        if per_q is None:
            per_q = {}
            for problem in paper.problems:
                difficulty = score(problem)
                for blank in problem.blanks:
                    per_q[f"{problem.id}.{blank.id}"] = question_factors(problem, blank, difficulty)
            cache[id(paper)] = per_q
    if len(cache) == 1:  # one shared paper: every factor has one level
        return ()
    by_paper = [cache[id(p)] for p in papers]
    out = []
    for qid in qids:
        j = col[qid]
        rows = np.flatnonzero(present[:, j]).tolist()  # Python ints: numpy's are slow in loops
        factors = [by_paper[i].get(qid, {}) for i in rows]
        for factor in FACTORS:
            values = [f.get(factor) for f in factors]
            kept = [(i, v) for i, v in zip(rows, values, strict=True) if v is not None]
            if not kept:
                continue
            names, inverse = np.unique([v for _, v in kept], return_inverse=True)
            if len(names) < 2:
                continue
            idx = np.array([i for i, _ in kept])
            students = np.bincount(inverse, minlength=len(names))
            hits = np.bincount(inverse, weights=right[idx, j], minlength=len(names)).astype(int)
            test, p_value = _test(students, hits)
            entries = sorted(
                (Level(str(name), int(s), int(h)) for name, s, h in zip(names, students, hits, strict=True)),
                key=lambda lv: (lv.difficulty, lv.level),
            )
            out.append(Breakdown(qid, factor, tuple(entries), test, p_value))
    return tuple(out)


def _test(students: Any, hits: Any) -> tuple[str, float | None]:
    """Fisher's exact test (two levels) or the chi-square test (more) of right/wrong by level,
    over the levels with at least :data:`MIN_GROUP` students."""
    import numpy as np
    from scipy import stats

    keep = students >= MIN_GROUP
    if keep.sum() < 2:
        return "", None
    table = np.stack([hits[keep], students[keep] - hits[keep]], axis=1)
    if (table.sum(axis=0) == 0).any():  # everyone right (or wrong): no difference to find
        return ("Fisher's exact" if keep.sum() == 2 else "chi-square"), 1.0
    if keep.sum() == 2:
        return "Fisher's exact", float(stats.fisher_exact(table).pvalue)
    return "chi-square", float(stats.chi2_contingency(table, correction=False).pvalue)
