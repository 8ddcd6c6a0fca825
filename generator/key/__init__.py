"""The answer key: one typed model for every key file the tool writes and reads.

Builders (worksheets, exams, the lab handout) produce a :class:`Key`; the documents, the LMS
exports, verification and ``check`` consume it. :meth:`Key.to_json` is the only writer and
:meth:`Key.load` the only reader, with one set of rules; the format is documented in
``docs/key-format.md`` and ``docs/key.schema.json``.

A key is a list of :class:`Paper` s (one per student of an exam; a worksheet key has one paper
that every self-checking student shares), each a list of :class:`Problem` s, each a list of
:class:`Blank` s (answer boxes). A blank's worked steps are :class:`WorkedStep` records
(quantity, formula, substitution, value), never text to be parsed back.

>>> from generator.engine import ModelSpec
>>> from generator.engine.layers import Conv2D
>>> blank = Blank("b", "Param #", "int", "320", ("320",))
>>> problem = Problem("p1", ProblemType.LAYER_PARAMS, "intro", "t", "", (blank,), (),
...                   ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),)))
>>> key = Key(KeyKind.WORKSHEET, "Sheet", (Paper.shared((problem,)),), seed=1)
>>> Key.from_json(key.to_json(), "key.json") == key
True
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from generator.answers import KINDS, normalize
from generator.engine import Layer, ModelSpec
from generator.engine.steps import Quantity
from generator.errors import SpecError, UserError, brief, cut
from generator.key.parts import (
    Blank,
    Derive,
    Distractor,
    FollowThrough,
    KeyKind,
    Partial,
    ProblemType,
    SolutionPart,
    Wording,
    WorkedStep,
    number,
)
from generator.key.records import Paper, Problem
from generator.roster import LMS_FIELDS, Student, first_clash
from generator.spec import spec_from_dict
from generator.userfiles import load_json, read_text

FORMAT = "cnn-worksheets-key/3"
"""The ``format`` field of every key written; keys without it are read as version 1 (0.1's
keys, whose steps are plain text); version 2 keys (solutions as lines of text) are read too."""

READABLE = (FORMAT, "cnn-worksheets-key/2")

__all__ = ["FORMAT", "Blank", "Derive", "Distractor", "FollowThrough", "Key", "KeyKind", "Paper", "Partial", "Problem",
           "ProblemType", "SolutionPart", "WorkedStep", "Wording", "number"]

MAX_POINTS = 1000
"""The most one problem may be worth."""

_BY_FIELD = {kind.field: kind for kind in KeyKind}


@dataclass(frozen=True)
class Key:
    """A key file.

    Attributes:
        kind: Worksheet, exam master or per-student exam key.
        title: The document title.
        papers: The papers (exactly one for a worksheet or a per-student key).
        seed: The seed it was generated with (None for the lab handout).
        difficulty: The level, when the whole key has one.
        verified_with: The Keras version every answer was checked against, ``""`` when not
            verified, None when not recorded.
        question_types: For an exam, the problem type of each slot.
        follow_through, partial: The exam config's grading policies, when it set them (None:
            the defaults of :meth:`generator.grading.grade.Policy.of`).
    """

    kind: KeyKind
    title: str
    papers: tuple[Paper, ...]
    seed: int | None = None
    difficulty: str | None = None
    verified_with: str | None = None
    question_types: tuple[str, ...] | None = field(default=None)
    follow_through: FollowThrough | None = None
    partial: Partial | None = None

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem of every paper, in order."""
        return tuple(p for paper in self.papers for p in paper.problems)

    def to_dict(self, content: bool = True) -> dict[str, Any]:
        """The key as plain data; without ``content``, only the top-level fields."""
        out: dict[str, Any] = {"format": FORMAT, "title": self.title}
        for name in ("seed", "difficulty", "verified_with", "follow_through", "partial"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.question_types is not None:
            out["question_types"] = list(self.question_types)
        if not content:
            return out
        if self.kind is KeyKind.WORKSHEET:
            out["problems"] = [p.to_dict() for p in self.papers[0].problems]
        elif self.kind is KeyKind.STUDENT:
            out["student"] = self.papers[0].to_dict()
        else:
            out["students"] = [p.to_dict() for p in self.papers]
        return out

    def to_json(self) -> str:
        """The key file's text: UTF-8 characters kept, the top-level fields on the first line,
        then one line per problem (worksheet key) or per student (exam keys), a final newline.
        (Compact lines keep the standard library's fast encoder: a class's master key is
        written in a fraction of the time an indented one takes.)"""
        head = json.dumps(self.to_dict(content=False), ensure_ascii=False)[:-1]
        if self.kind is KeyKind.STUDENT:
            return f'{head}, "student":\n{self.papers[0].json_text}}}\n'
        items = (
            [json.dumps(p.to_dict(), ensure_ascii=False) for p in self.papers[0].problems]
            if self.kind is KeyKind.WORKSHEET else [p.json_text for p in self.papers]
        )
        return f'{head}, "{self.kind.field}": [\n' + ",\n".join(items) + "\n]}\n"

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Key:
        """Reads and validates a key file.

        Raises:
            UserError: naming the file, the place in it and what is wrong (one line).
        """
        name = str(path)
        return cls.from_data(load_json(read_text(path, "key"), name, "key file"), name)

    @classmethod
    def from_json(cls, text: str, name: str) -> Key:
        """Validates a key's JSON text (``name`` is used in messages)."""
        return cls.from_data(load_json(text, name, "key file"), name)

    @classmethod
    def from_data(cls, data: Any, name: str) -> Key:
        """Validates loaded JSON (see :meth:`load`)."""
        return _Reader(name).key(data)


# ---------------------------------------------------------------- reading


class _Place:
    """A place in the key for a message (``problems[0].blanks[2] (blank l0_shape)``), made into
    text only when a message needs it: a class's key has tens of thousands of blanks."""

    __slots__ = ("prefix", "label", "name")

    def __init__(self, prefix: str, label: str, name: str) -> None:
        self.prefix, self.label, self.name = prefix, label, name

    def __str__(self) -> str:
        return f"{self.prefix}{self.label}{cut(self.name, 40)})"


_Where = str | _Place


class _Reader:
    """Validation of one key file; every error names the file and the place."""

    def __init__(self, name: str) -> None:
        self.name = name
        # Steps and specs read so far, for reuse when one comes again: a problem's solution
        # repeats the steps of its blanks, and students share models. A step is keyed by its
        # quantity, text and value (with the value's type, since 1 == True == 1.0) and reused
        # only when its whole dict equals the one read; a spec by its repr (which tells
        # 1, 1.0 and True apart). Only what passed validation is kept.
        self.steps: dict[tuple[Any, ...], tuple[dict[str, Any], WorkedStep]] = {}
        self.specs: dict[str, ModelSpec] = {}
        self.layers: dict[str, Layer] = {}

    def fail(self, where: _Where, what: str, value: Any = ...) -> UserError:
        got = "" if value is ... else f"; got {brief(value, 60)}"
        return UserError(f"{self.name}: {where}{' ' if where else ''}{what}{got}")

    def key(self, data: Any) -> Key:
        expected = "'problems' (worksheet key), 'students' (exam master key) or 'student' (per-student exam key)"
        if not isinstance(data, dict):
            raise self.fail("", f"not a key: expected a JSON object with {expected}; got a JSON {_json_type(data)}")
        present = [f for f in _BY_FIELD if f in data]
        if not present:
            fields = ", ".join(map(repr, list(data)[:8])) or "no fields"
            raise self.fail("", f"not a key: expected a JSON object with {expected}; it has {fields}")
        if len(present) > 1:
            raise self.fail("", f"not a key: it has both {present[0]!r} and {present[1]!r}; a key has exactly one of {expected}")
        fmt = data.get("format", None)
        if fmt is not None and fmt not in READABLE:
            raise self.fail("", f"is a key of format {brief(fmt)}; this version reads {FORMAT!r} (and older keys)")
        kind = _BY_FIELD[present[0]]
        if kind is KeyKind.WORKSHEET:
            papers: tuple[Paper, ...] = (Paper.shared(self.problems(data["problems"], "problems")),)
        elif kind is KeyKind.STUDENT:
            papers = (self.paper(data["student"], "student"),)
        else:
            roster = data["students"]
            if not isinstance(roster, list) or not roster:
                raise self.fail("", "'students' must be a non-empty list of students", roster)
            papers = tuple(self.paper(s, f"students[{i}]") for i, s in enumerate(roster))
            self.unique_codes(papers)
        title = data.get("title", None)
        if title is not None and not isinstance(title, str):
            raise self.fail("", "'title' must be text", title)
        seed = data.get("seed", None)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise self.fail("", "'seed' must be a whole number", seed)
        texts = {}
        for field_name in ("difficulty", "verified_with"):
            value = data.get(field_name, None)
            if value is not None and not isinstance(value, str):
                raise self.fail("", f"{field_name!r} must be text", value)
            texts[field_name] = value
        types = data.get("question_types", None)
        if types is not None and not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
            raise self.fail("", "'question_types' must be a list of text", types)
        stem = os.path.splitext(os.path.basename(self.name))[0]
        policies: list[Any] = [data.get("follow_through"), data.get("partial")]  # absent in older keys
        for name, value, choices in zip(("follow_through", "partial"), policies, (FollowThrough, Partial), strict=True):
            if value is not None and value not in [p.value for p in choices]:
                raise self.fail("", f"{name!r} must be one of {', '.join(choices)}", value)
        return Key(kind, title if title is not None else stem, papers, seed, texts["difficulty"],
                   texts["verified_with"], None if types is None else tuple(types),
                   policies[0] and FollowThrough(policies[0]), policies[1] and Partial(policies[1]))

    def unique_codes(self, papers: tuple[Paper, ...]) -> None:
        """Ids and variant codes must each name one student, or an answer row would be ambiguous."""
        seen_at: dict[str, int] = {}
        for i, paper in enumerate(papers):
            if paper.id in seen_at:
                raise self.fail("", f"students[{seen_at[paper.id]}] and students[{i}] both have the id {cut(paper.id, 64)!r}; "
                                    "the id names both student entries")
            seen_at[paper.id] = i
        clash = first_clash((p.id, text) for p in papers for text in (p.id, p.variant))
        if clash is not None:
            code, first, second = clash
            raise self.fail("", f"the id or variant code {code!r} names both student {cut(first, 64)} and student {cut(second, 64)}")

    def paper(self, data: Any, where: str) -> Paper:
        if not isinstance(data, dict):
            raise self.fail(where, "must be an object with 'id' and 'problems'", data)
        sid = data.get("id")
        if not isinstance(sid, str | int) or isinstance(sid, bool) or not str(sid).strip():
            raise self.fail(where, "has no student 'id'", sid)
        if "problems" not in data:
            raise self.fail(where, f"(student {cut(str(sid), 64)}) has no 'problems'")
        name, variant, folder = (data.get(f, "") for f in ("name", "variant", "folder"))
        for label, value in (("name", name), ("variant", variant), ("folder", folder)):
            if value is not None and not isinstance(value, str):
                raise self.fail(where, f"has a {label!r} that is not text", value)
        extra = {f: data[f] for f in LMS_FIELDS if data.get(f) is not None}
        for label, value in extra.items():
            if not isinstance(value, str):
                raise self.fail(where, f"has a {label!r} that is not text", value)
        return Paper(Student(str(sid).strip(), name or "", **extra), (variant or "").strip(), folder or "",
                     self.problems(data["problems"], f"{where}.problems"))

    def problems(self, data: Any, where: str) -> tuple[Problem, ...]:
        if not isinstance(data, list) or not data:
            raise self.fail(where, "must be a non-empty list of problems", data)
        out, seen = [], set()
        for i, item in enumerate(data):
            problem = self.problem(item, f"{where}[{i}]")
            for blank in problem.blanks:
                qid = f"{problem.id}.{blank.id}".lower()
                if qid in seen:
                    raise self.fail("", f"question id {cut(problem.id + '.' + blank.id, 80)!r} appears twice in {where} "
                                         "(ids are matched ignoring case)")
                seen.add(qid)
            out.append(problem)
        return tuple(out)

    def text(self, data: dict[str, Any], key: str, where: _Where, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or (default is None and not value):
            raise self.fail(where, f"needs a text {key!r}", value)
        return value

    def problem(self, data: Any, where: str) -> Problem:
        if not isinstance(data, dict):
            raise self.fail(where, "must be a problem object", data)
        pid = data.get("id")
        if not isinstance(pid, str) or not pid:
            raise self.fail(where, "has no problem 'id'", pid)
        at = _Place(where, " (problem ", pid)
        raw_blanks = data.get("blanks")
        if not isinstance(raw_blanks, list) or not raw_blanks:
            raise self.fail(at, "has no 'blanks' list", raw_blanks)
        blanks = tuple(self.blank(b, f"{where}.blanks[{j}]") for j, b in enumerate(raw_blanks))
        ids = {b.id for b in blanks}
        for b in blanks:
            for d in b.depends_on:
                if d not in ids - {b.id}:
                    raise self.fail(f"{at} blank {cut(b.id, 40)}", "has a 'depends_on' naming no other blank", d)
        try:
            kind = ProblemType(str(data.get("type")))
        except ValueError:
            raise self.fail(at, f"has a 'type' that is not one of {', '.join(ProblemType)}", data.get("type")) from None
        solution = self.solution(data.get("solution", []), at)
        table = data.get("table", [])
        if not isinstance(table, list):
            raise self.fail(at, "has a 'table' that is not a list", table)
        for row in table:
            if not (isinstance(row, dict) and isinstance(row.get("layer"), str)
                    and all(row.get(c) in (None, *ids) for c in ("shape", "params"))
                    and all(isinstance(v, str) for v in row.values())):
                raise self.fail(at, "has a table row that names no blank", row)
        grid = data.get("grid", [])
        if not (isinstance(grid, list) and all(isinstance(row, list) and row and all(c in ids for c in row) for row in grid)):
            raise self.fail(at, "has a 'grid' that is not rows of blank ids", grid)
        points = data.get("points")
        if points is not None and not (isinstance(points, int | float) and not isinstance(points, bool)
                                       and 0 < points <= MAX_POINTS):
            raise self.fail(at, f"has 'points' that are not a number from 0 to {MAX_POINTS:,}", points)
        return Problem(
            pid, kind, self.text(data, "difficulty", at, ""), self.text(data, "title", at, pid),
            self.text(data, "prompt", at, ""), blanks, solution, self.model(data.get("spec"), at),
            self.text(data, "code", at, ""), tuple(table), self.text(data, "variant", at, ""),
            points=None if points is None else float(points), grid=tuple(tuple(row) for row in grid),
        )

    def solution(self, data: Any, where: _Where) -> tuple[SolutionPart, ...]:
        if not isinstance(data, list):
            raise self.fail(where, "has a 'solution' that is not a list", data)
        if all(isinstance(line, str) for line in data):  # a version 2 key: lines of text
            return (SolutionPart("", tuple(WorkedStep(Quantity.NOTE, line) for line in data)),) if data else ()
        parts = []
        for part in data:
            if not (isinstance(part, dict) and isinstance(part.get("heading"), str) and isinstance(part.get("steps"), list)):
                raise self.fail(where, "has a solution part that is not {heading, steps}", part)
            parts.append(SolutionPart(part["heading"], tuple(self.step(s, where) for s in part["steps"])))
        return tuple(parts)

    def model(self, data: Any, where: _Where) -> ModelSpec:
        form = repr(data) if isinstance(data, dict) else None
        if form is not None and (known := self.specs.get(form)) is not None:
            return known
        try:
            spec = spec_from_dict(data, f"{self.name}: {where}.spec", self.layers)
        except SpecError as exc:
            raise UserError(str(exc)) from None
        if form is not None:
            self.specs[form] = spec
        return spec

    def blank(self, data: Any, where: str) -> Blank:
        if not isinstance(data, dict):
            raise self.fail(where, "must be a blank object", data)
        bid, kind = data.get("id"), data.get("kind")
        if not isinstance(bid, str) or not bid:
            raise self.fail(where, "has no blank 'id'", bid)
        at = _Place(where, " (blank ", bid)  # made into text only for a message
        if kind not in KINDS:
            raise self.fail(at, f"has kind {brief(kind)}; expected one of {', '.join(KINDS)}")
        answer = data.get("answer")
        accepted = data.get("accepted") or ([answer] if answer not in (None, "") else [])
        if not isinstance(accepted, list) or not accepted:
            raise self.fail(at, "has no 'accepted' answers")
        canonical = tuple(dict.fromkeys(self.answer(a, kind, at) for a in accepted))
        first = canonical[0] if answer in (None, "") else self.answer(answer, kind, at)
        if first not in canonical:
            raise self.fail(at, "has an 'answer' missing from 'accepted'", answer)
        distractors = data.get("distractors") or []
        if not isinstance(distractors, list):
            raise self.fail(at, "has 'distractors' that are not a list", distractors)
        wrong = []
        for d in distractors:
            if not (isinstance(d, dict) and isinstance(d.get("answer"), str) and isinstance(d.get("mistake"), str)):
                raise self.fail(at, "has a distractor without a text 'answer' and 'mistake'", d)
            wrong.append(Distractor(self.answer(d["answer"], kind, at), d["mistake"]))
        steps = data.get("steps") or []
        if not isinstance(steps, list):
            raise self.fail(at, "has 'steps' that are not a list", steps)
        layer = data.get("layer")
        if layer is not None and (not isinstance(layer, int) or isinstance(layer, bool) or layer < 0):
            raise self.fail(at, "has a 'layer' that is not a layer index", layer)
        spec = data.get("spec")
        if not (isinstance(depends_on := data.get("depends_on") or [], list) and all(isinstance(d, str) for d in depends_on)):
            raise self.fail(at, "has a 'depends_on' that is not a list of blank ids", depends_on)
        derive = data.get("derive")
        if derive is not None:
            if derive not in [d.value for d in Derive]:
                raise self.fail(at, f"has a 'derive' that is not one of {', '.join(Derive)}", derive)
            arity = Derive(derive).arity
            if kind != "int" or not depends_on or arity not in (None, len(depends_on)):
                raise self.fail(at, f"has 'derive': {derive!r} without {arity or 'one or more'} 'depends_on' "
                                    f"blank{'' if arity == 1 else 's'} of a whole-number answer", depends_on)
        batch = data.get("batch")
        if batch is not None and (type(batch) is not int or not 0 < batch <= 100_000 or kind != "shape"):
            raise self.fail(at, "has a 'batch' that is not the batch size of a shape answer", batch)
        return Blank(
            bid, self.text(data, "label", at, bid), kind, first, canonical,
            tuple(self.step(s, at) for s in steps), tuple(wrong), layer, self.text(data, "field", at, ""),
            None if spec is None else self.model(spec, at), tuple(depends_on), derive and Derive(derive), batch,
        )

    def answer(self, value: Any, kind: str, where: _Where) -> str:
        result = normalize(value, kind) if isinstance(value, str) else None
        if result is None:
            raise self.fail(where, f"has an answer that is not a {kind}", value)
        return result

    def step(self, data: Any, where: _Where) -> WorkedStep:
        if isinstance(data, str):  # a 0.1 key: text only
            return WorkedStep(Quantity.NOTE, data)
        cache_key = None
        if type(data) is dict:
            value = data.get("value")
            cache_key = (data.get("quantity"), data.get("text"), value, type(value))
            try:
                seen = self.steps.get(cache_key)
            except TypeError:  # an unhashable quantity or text: from_dict says what is wrong
                seen = cache_key = None
            if seen is not None and seen[0] == data:
                return seen[1]
        try:
            step = WorkedStep.from_dict(data)
        except ValueError as exc:
            raise self.fail(where, f"has a step {exc}", data) from None
        if cache_key is not None:
            self.steps[cache_key] = (data, step)
        return step


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean",
            type(None): "null"}.get(type(value), type(value).__name__)
