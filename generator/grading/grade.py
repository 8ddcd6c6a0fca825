"""Grading: each typed answer against its blank, with feedback from the key's typed steps, and
the class statistics (see :mod:`generator.grading` for the rules)."""

from __future__ import annotations

import functools
import os
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from generator.answers import MAX_DIGITS, canonical, display, normalize
from generator.engine import ModelSpec, analyze
from generator.engine.layers import Layer
from generator.engine.model import LayerRecord
from generator.engine.steps import Quantity
from generator.errors import SpecError, UserError, brief
from generator.grading.answers import AnswerRow, AnswerSheet
from generator.grading.lms import read_sheet
from generator.grading.report import (
    ClassSummary,
    Credit,
    CreditReason,
    QuestionResult,
    QuestionStats,
    Report,
    Status,
    StudentResult,
    WrongAnswer,
)
from generator.key import Blank, FollowThrough, Key, KeyKind, Paper, Partial, Problem, WorkedStep
from generator.roster import Student, id_key
from generator.userfiles import paused_gc

_KIND_HINT = {
    "shape": "a shape such as (None, 26, 26, 32)",
    "int": "a whole number such as 18,496",
    "choice": "one word",
}
_SAMPLE = 4  # how many ids an error message lists before "..."


@dataclass(frozen=True)
class KeyIndex:
    """A key as ``check`` looks things up in it: papers by id or variant code, question ids.

    Attributes:
        key: The key.
        path: The file it was read from, as given (for messages and the report).
    """

    key: Key
    path: str

    @functools.cached_property
    def question_ids(self) -> tuple[str, ...]:
        """Every question id of the key, in key order (the gradebook's columns)."""
        return tuple(dict.fromkeys(qid for paper in self.key.papers for qid, _, _ in paper.questions()))

    def find(self, ref: str) -> Paper | None:
        """The paper an answer file's ``student_id`` cell names, or None.

        For a worksheet key every non-empty text names a paper of its own (compared as ids are:
        ``Ana`` and ``ana`` are one student, shown as first written). Otherwise ``ref`` may be a
        student id or a variant code; case, spaces, dashes and underscores are ignored.
        """
        ref = ref.strip()
        if self.key.kind is KeyKind.WORKSHEET:
            if not ref:
                return None
            spelled = self._worksheet_ids.setdefault(id_key(ref) or ref, ref)  # Ana and ana: one paper
            return replace(self.key.papers[0], student=Student(spelled, ""))
        return self._by_code.get(id_key(ref))

    @functools.cached_property
    def _worksheet_ids(self) -> dict[str, str]:
        """For a worksheet key: each student's first spelling, by :func:`id_key`."""
        return {}

    @functools.cached_property
    def _by_code(self) -> dict[str, Paper]:
        """Each paper by the :func:`~generator.roster.id_key` of its id and of its variant code,
        built once: matching answer rows to students stays linear in the class size."""
        index: dict[str, Paper] = {}
        for paper in self.key.papers:
            for text in (paper.id, paper.variant):
                if id_key(text):
                    index.setdefault(id_key(text), paper)
        return index


@dataclass(frozen=True)
class Policy:
    """How wrong answers earn part of their points.

    Attributes:
        follow_through: Credit for an answer that is right given the student's own earlier
            answer (``full``: all its points, ``half``, ``off``).
        partial: ``axes``: a wrong shape of the right rank earns the share of its axes that are
            right; ``off``.
    """

    follow_through: FollowThrough = FollowThrough.OFF
    partial: Partial = Partial.OFF

    @classmethod
    def of(cls, key: Key, follow_through: FollowThrough | str | None = None,
           partial: Partial | str | None = None) -> Policy:
        """The policy for ``key``: the given values (the command line), else the key's own (an
        exam config's), else the defaults: follow-through ``full`` for a worksheet key and
        ``off`` for an exam key; partial credit ``off``."""
        default = FollowThrough.FULL if key.kind is KeyKind.WORKSHEET else FollowThrough.OFF
        return cls(FollowThrough(follow_through or key.follow_through or default),
                   Partial(partial or key.partial or Partial.OFF))

    @property
    def active(self) -> bool:
        """Whether a wrong answer can earn anything."""
        return self.follow_through is not FollowThrough.OFF or self.partial is not Partial.OFF


def grade(key: Key, sheet: AnswerSheet, key_path: str = "key", policy: Policy | None = None) -> Report:
    """Grades every student of an answer sheet against a key.

    Args:
        key: The validated key.
        sheet: The validated answers.
        key_path: The key's file, for messages and the report.
        policy: Follow-through and partial credit (default: :meth:`Policy.of` the key).

    Returns:
        The report.

    Raises:
        UserError: The answers do not belong to the key (no student or no question id of the
            file is in it), a row names an unknown student or question (its line and value are
            given), or a student answers a question twice.
    """
    policy = policy or Policy.of(key)
    index = KeyIndex(key, key_path)
    answers = _match(index, sheet)
    by_id = {p.id: p for p in key.papers}
    papers = (
        [index.find(ref) for ref in answers] if key.kind is KeyKind.WORKSHEET
        else [by_id[sid] for sid in by_id if sid in answers]
    )
    students = tuple(_grade_paper(p, answers[p.id], policy) for p in papers if p is not None)
    absent = () if key.kind is KeyKind.WORKSHEET else tuple(p.id for p in key.papers if p.id not in answers)
    shared_numbers = len(key.papers) == 1
    by_question: dict[str, list[QuestionResult]] = {qid: [] for qid in index.question_ids}
    for student in students:
        for q in student.questions:
            by_question[q.question_id].append(q)
    questions = tuple(_question_stats(qid, results, shared_numbers) for qid, results in by_question.items())
    scores = [s.score for s in students]
    mistakes = Counter(q.mistake for s in students for q in s.questions if q.mistake)
    summary = ClassSummary(
        len(students), round(statistics.fmean(scores), 2), round(statistics.median(scores), 2),
        min(scores), max(scores), absent, tuple(mistakes.most_common(5)),
    )
    return Report(key.title, key_path, key.kind, sheet.path, index.question_ids, students, questions, summary)


def check(key_path: str | os.PathLike[str], answers_path: str | os.PathLike[str],
          follow_through: FollowThrough | str | None = None, partial: Partial | str | None = None) -> Report:
    """Loads a key and an answer file and grades them: the whole ``check`` pipeline
    (``follow_through`` and ``partial`` override the key's policy, see :meth:`Policy.of`)."""
    with paused_gc():
        key = Key.load(key_path)
        graded, sheet = read_sheet(answers_path, key)
        return grade(graded, sheet, str(key_path), Policy.of(key, follow_through, partial))


def _sample(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(items[:_SAMPLE])
    return shown + (f", ... ({len(items)} in all)" if len(items) > _SAMPLE else "")


def _match(index: KeyIndex, sheet: AnswerSheet) -> dict[str, dict[str, AnswerRow]]:
    """Student id -> question id -> row, after checking every row against the key."""
    key = index.key
    mismatch = f"{sheet.path} does not match {index.path} ({key.kind.description})"
    if key.kind is not KeyKind.WORKSHEET and not any(index.find(r.student) for r in sheet.rows):
        codes = [c for p in key.papers for c in (p.id, p.variant) if c]
        raise UserError(
            f"{mismatch}: none of its student ids ({_sample(r.student for r in sheet.rows)}) "
            f"is a student id or variant code of the key ({_sample(codes)})"
        )
    all_ids = {qid.lower() for qid in index.question_ids}
    if not any(r.question.lower() in all_ids for r in sheet.rows):
        raise UserError(
            f"{mismatch}: none of its question ids ({_sample(r.question for r in sheet.rows)}) "
            f"is in the key, whose ids are {_sample(index.question_ids)}"
        )
    answers: dict[str, dict[str, AnswerRow]] = {}
    lookup: dict[str, dict[str, str]] = {}
    for row in sheet.rows:
        paper = index.find(row.student)
        if paper is None:
            raise UserError(
                f"{sheet.path} line {row.line}: unknown student {row.student!r}: not a student id "
                f"or variant code in {index.path}"
            )
        ids = lookup.get(paper.id)
        if ids is None:
            ids = lookup[paper.id] = {qid.lower(): qid for qid, _, _ in paper.questions()}
        qid = ids.get(row.question.lower())
        if qid is None:
            whose = "" if key.kind is KeyKind.WORKSHEET else f" on the paper of student {paper.id}"
            raise UserError(
                f"{sheet.path} line {row.line}: unknown question id {row.question!r}{whose}; "
                f"the key's ids are {_sample(qid for qid, _, _ in paper.questions())}"
            )
        rows = answers.setdefault(paper.id, {})
        if qid in rows:
            raise UserError(
                f"{sheet.path} line {row.line}: a second answer from student {paper.id} to {qid}; "
                f"the first is on line {rows[qid].line}"
            )
        rows[qid] = row
    return answers


def _grade_paper(paper: Paper, rows: dict[str, AnswerRow], policy: Policy) -> StudentResult:
    results: list[QuestionResult] = []
    for problem in paper.problems:
        points = problem.blank_points
        graded = [grade_answer(qid, b, rows.get(qid), points)
                  for b in problem.blanks for qid in (f"{problem.id}.{b.id}",)]
        if policy.active and not all(q.status is Status.RIGHT for q in graded):  # all right: nothing to credit
            graded = _credit(problem, graded, policy)
        results.extend(graded)
    return StudentResult(paper.id, paper.name, paper.variant, tuple(results), paper.student)


# ---------------------------------------------------------------- follow-through and partial credit


@functools.lru_cache(maxsize=8192)
def _given(layer: Layer, shape: tuple[int, ...]) -> LayerRecord | None:
    """The engine's record of ``layer`` on an input of ``shape`` (a student's own upstream
    answer, without the batch), or None when the layer cannot take it."""
    try:
        return analyze(ModelSpec(shape, (layer,), framework=getattr(layer, "framework", "keras"))).records[0]
    except (SpecError, ValueError, ArithmeticError):
        return None


_TOTALS = {"total_params": "params", "trainable_params": "trainable", "non_trainable_params": "non_trainable"}
_SPLIT = ("trainable", "non_trainable")
"""The fields of a layer's parameter split (BatchNormalization's), whose sum is its Param #."""


def _axes(got: str, wants: Iterable[str]) -> tuple[int, int]:
    """(axes right, axes) of a shape against the closest right answer of its rank; (0, 0) when
    no right answer has its rank."""
    values = got.split("x")
    scores = [(sum(a == b for a, b in zip(values, want.split("x"), strict=True)), len(values))
              for want in wants if want.count("x") == len(values) - 1]
    return max(scores, default=(0, 0))


def _credit(problem: Problem, graded: list[QuestionResult], policy: Policy) -> list[QuestionResult]:
    """The results of one problem with follow-through and axes credit added to wrong answers.

    Follow-through (blanks whose ``depends_on`` name the previous layer's shape, every layer's
    Param #, or a layer's trainable and non-trainable counts): a shape or Param # is also judged
    against the engine's value for its layer given the student's most recent own output shape
    when that differs from the key's (readable, of the key's rank); a total against the sum of the
    student's own Param # answers (trainable and non-trainable where each layer's split follows
    from them); a BatchNormalization layer's Param # against the sum of the student's own
    trainable and non-trainable counts; a blank with a ``derive`` rule against that rule applied
    to the student's own answers (FLOPs, a max-pooled value, a ratio).
    Axes: a wrong shape of the right rank earns the share of its axes that match the key's
    answer, or (times the follow-through share) the follow-through value; the larger counts.
    """
    follow = policy.follow_through is not FollowThrough.OFF
    axes = policy.partial is Partial.AXES
    layer_of = {row[c]: row["layer"] for row in problem.table for c in ("shape", "params") if row.get(c)}
    own: dict[str, tuple[int, ...] | None] = {}  # shape blank -> the student's shape, when not the key's
    record: dict[str, LayerRecord | None] = {}  # Param # blank -> the record it was judged against
    qid_of = {b.id: q.question_id for b, q in zip(problem.blanks, graded, strict=True)}
    label_of = {b.id: b.label for b in problem.blanks}
    by_id = dict(zip((b.id for b in problem.blanks), graded, strict=True))
    out = []
    for b, q in zip(problem.blanks, graded, strict=True):
        target, upstream = (_follow(problem, b, by_id, own, record) if follow else (None, ()))
        if b.kind == "shape" and q.status is not Status.RIGHT:
            values = q.normalized.split("x") if q.normalized is not None else []
            rank_ok = bool(values) and any(a.count("x") == len(values) - 1 for a in b.accepted)
            own[b.id] = tuple(int(v) for v in values) if rank_ok and all(v.isdigit() for v in values) else None
        if q.status is not Status.WRONG or q.normalized is None:
            out.append(q)
            continue
        options: list[Credit] = []
        if target is not None and q.normalized == target and follow:
            options.append(Credit(policy.follow_through.fraction, CreditReason.FOLLOW_THROUGH,
                                  tuple(qid_of[u] for u in upstream), tuple(layer_of.get(u) or label_of[u] for u in upstream)))
        if axes and b.kind == "shape":
            right, n = _axes(q.normalized, b.accepted)
            if right:
                options.append(Credit(right / n, CreditReason.AXES, axes_right=right, axes=n))
            if target is not None and follow:
                right, n = _axes(q.normalized, (target,))
                if right and right < n:
                    options.append(Credit(policy.follow_through.fraction * right / n, CreditReason.AXES,
                                          tuple(qid_of[u] for u in upstream), tuple(layer_of.get(u) or label_of[u] for u in upstream),
                                          right, n))
        best = max(options, key=lambda c: c.fraction, default=None)
        if best is None or best.fraction <= 0:
            out.append(q)
        elif best.reason is CreditReason.FOLLOW_THROUGH:
            # Right given the student's own earlier answer: not a misconception, even when the
            # value happens to equal one of the key's distractors.
            out.append(replace(q, credit=best, mistake=None))
        else:
            out.append(replace(q, credit=best))
    return out


def _follow(problem: Problem, b: Blank, by_id: dict[str, QuestionResult], own: dict[str, tuple[int, ...] | None],
            record: dict[str, LayerRecord | None]) -> tuple[str | None, tuple[str, ...]]:
    """The canonical answer of ``b`` given the student's own upstream answers, when it differs
    from the key's, and the blank ids it follows from; (None, ()) when there is none."""
    deps = b.depends_on
    if b.derive is not None:
        # Arithmetic on the student's own answers (FLOPs twice their multiply-adds, a pooled
        # value the max of their window): every one answered, at least one of them wrong.
        wrong = tuple(d for d in deps if by_id[d].status is not Status.RIGHT)
        if not wrong or any(by_id[d].status is not Status.WRONG for d in wrong):
            return None, ()
        try:
            value = b.derive.apply([int(by_id[d].normalized or "") for d in deps])
        except ValueError:  # not a whole number
            return None, ()
        return (None, ()) if value is None else (str(value), wrong)
    if b.field in ("output_shape", "params") and len(deps) == 1 and b.layer is not None and b.layer < len(problem.model.layers):
        if deps[0] not in own:  # the student's upstream shape is the key's (or not a shape blank)
            return None, ()
        shape = own[deps[0]]
        upstream = next((x for x in problem.blanks if x.id == deps[0]), None)
        if shape is not None and upstream is not None and upstream.batch is not None:
            # a PyTorch shape: the batch first (the key's answer has it), unless the student left it out
            shape = shape[1:] if len(shape) == upstream.answer.count("x") + 1 else shape
        given = None if shape is None else _given(problem.model.layers[b.layer], shape)
        record[b.id] = given
        if given is None:
            return None, ()
        if b.field == "output_shape":
            return canonical(given.output_shape if b.batch is None else (b.batch, *given.output_shape), "shape"), deps
        return str(given.params), deps
    parts = [x for x in problem.blanks if x.id in deps] if b.field == "params" and len(deps) > 1 else []
    if parts and tuple(x.field for x in parts) == _SPLIT:
        # A layer's Param # given the student's own trainable and non-trainable counts: their sum.
        wrong = tuple(x.id for x in parts if by_id[x.id].status is not Status.RIGHT)
        if not wrong or any(by_id[d].status is not Status.WRONG for d in wrong):
            return None, ()
        return str(sum(int(by_id[x.id].normalized or 0) for x in parts)), wrong
    if b.field in _TOTALS and deps and all(d in by_id for d in deps):
        wrong = tuple(d for d in deps if by_id[d].status is not Status.RIGHT)
        if not wrong or any(by_id[d].status is not Status.WRONG for d in wrong):
            return None, ()
        keyed = {r.index: r for r in problem.summary.records}
        total = 0
        for d in deps:
            q, dep = by_id[d], next(x for x in problem.blanks if x.id == d)
            value = int(q.normalized or 0)
            rec = record.get(d) if d in record else keyed.get(dep.layer) if dep.layer is not None else None
            if b.field == "total_params":
                total += value
            elif rec is not None and value == rec.params:
                total += getattr(rec, _TOTALS[b.field])
            elif rec is not None and rec.non_trainable == 0:  # every parameter of the layer is trainable
                total += value if b.field == "trainable_params" else 0
            else:
                return None, ()
        return str(total), wrong
    return None, ()


def grade_answer(qid: str, b: Blank, row: AnswerRow | None, points: float = 1.0) -> QuestionResult:
    """Grades one typed answer (None: the student has no row for the question).

    Args:
        qid: The question id, ``{problem id}.{blank id}``.
        b: The key's blank.
        row: The student's row, or None.
        points: What the blank is worth (its problem's points shared by its blanks).

    Returns:
        The result, with feedback when it is not right (see the module docstring).
    """
    if row is not None and row.answer in b.accepted:  # the common case, already canonical
        return QuestionResult(qid, b.label, b.kind, Status.RIGHT, row.answer, row.answer, b.shown, line=row.line,
                              points=points)
    base = QuestionResult(
        qid, b.label, b.kind, Status.UNANSWERED, row.answer if row else "", None,
        b.shown, line=row.line if row else None, points=points,
    )
    if row is None or not row.answer.strip():
        return replace(base, note="no answer" if row else "no row for this question in the answer file", steps=b.steps)
    normalized = normalize(row.answer, b.kind)
    if normalized is None:
        return replace(
            base, status=Status.UNREADABLE, steps=b.steps,
            note=_unreadable(row.answer.strip(), b.kind),
        )
    if normalized in b.accepted:
        return replace(base, status=Status.RIGHT, normalized=normalized)
    mistake = next((d.mistake for d in b.distractors if d.answer == normalized), None)
    steps, note = _feedback(b, normalized)
    return replace(base, status=Status.WRONG, normalized=normalized, mistake=mistake, note=note, steps=steps)


def _unreadable(answer: str, kind: str) -> str:
    """Why a typed answer could not be read."""
    longest = max((len(run) for run in re.findall(r"[0-9]+", answer[:100_000])), default=0)
    if kind != "choice" and longest > MAX_DIGITS:
        return f"not a number we can read: it has {longest:,} digits (at most {MAX_DIGITS})"
    return f"could not read {brief(answer)} as {_KIND_HINT[kind]}"


def _feedback(b: Blank, normalized: str) -> tuple[tuple[WorkedStep, ...], str | None]:
    """The worked step(s) that differ from a readable wrong answer, and a note: read from the
    steps' quantity, value and option, never from their text."""
    last = b.steps[-1:]
    if b.kind == "shape":
        got = [int(v) for v in normalized.split("x")]
        options = [[int(v) for v in a.split("x")] for a in b.accepted]
        want = min(options, key=lambda o: (len(o) != len(got), sum(x != y for x, y in zip(o, got, strict=False))))
        if len(want) != len(got):
            note = (f"the shape has {len(got)} ax{'i' if len(got) == 1 else 'e'}s after the batch axis; "
                    f"the answer has {len(want)}")
            return last, note
        for step in b.steps:
            if any(got[i] != want[i] for i in _decided(step.quantity, len(want), b.batch is not None)):
                return (step,), None
        return last, None
    if b.kind == "int":
        value, accepted = int(normalized), {int(a) for a in b.accepted}
        for i, step in enumerate(b.steps):
            if step.value == value:
                after = next((s for s in b.steps[i + 1:] if s.value != value), None)
                note = f"{display(normalized, 'int')} is the result of an earlier step ({step.text}), not the answer"
                return ((after,) if after else last), note
        computing = next((s for s in b.steps if s.value in accepted), None)
        return ((computing,) if computing else last), None
    chosen = [s for s in b.steps if s.option == normalized][:1]
    if not chosen:
        return b.steps, None
    return tuple(dict.fromkeys(chosen + list(last))), None


def _decided(quantity: Quantity, rank: int, torch: bool) -> tuple[int, ...]:
    """The axes of a shape answer of ``rank`` a step decides: Keras' channels last, or a PyTorch
    shape's batch first, channels next, then the sides (Keras' sides one axis later each)."""
    if not torch:
        return quantity.axes(rank)
    per = rank - 1  # the axes after the batch, in Keras' order (*sides, C)
    return tuple(1 if per == 1 or i == per - 1 else i + 2 for i in quantity.axes(per))


def _question_stats(qid: str, results: Sequence[QuestionResult], shared_numbers: bool) -> QuestionStats:
    wrong = Counter(
        (q.answer_shown if shared_numbers else None, q.mistake)
        for q in results if q.status in (Status.WRONG, Status.UNREADABLE)
    )
    common = tuple(WrongAnswer(a, m, n) for (a, m), n in wrong.most_common(3))
    label = results[0].label if results else qid
    return QuestionStats(
        qid, label, len(results), sum(q.status is not Status.UNANSWERED for q in results),
        sum(q.right for q in results), common,
    )
