"""What every LMS export says, whatever the file format: the exam read from its master key, the
answer boxes, the multiple-choice versions of the blanks, and the HTML of questions and solutions.

The master key is what the ``exam`` command writes: ``{"title", "seed", "students": [{"id",
"name", "variant", "problems": [...]}]}``, each problem a :meth:`Problem.to_dict
<generator.problems.base.Problem.to_dict>`. :func:`read_master` validates it once, so the format
modules only translate.

How a blank becomes something an LMS can grade:

* An ``int`` blank is one number box, exact (tolerance 0); a blank with several right answers
  (an inverse problem whose floor division admits several kernel sizes) accepts each of them.
* A ``shape`` blank is one number box per axis after the batch axis: ``(None, 26, 26, 32)`` is
  graded as height 26, width 26 and channels 32. Short-answer matching in Moodle and Canvas
  compares strings literally, so ``26x26x32``, ``(26, 26, 32)`` and ``26, 26, 32`` would each
  have to be listed; numbers grade reliably everywhere. The price is that the boxes show the
  shape's rank (three boxes for an image tensor, one after ``Flatten``).
* A ``choice`` blank is a multiple-choice question: its answer and its distractors.
* Every blank with distractors also has a multiple-choice version (:class:`MultipleChoice`): the
  right answer as the key shows it and up to :data:`MAX_DISTRACTORS` computed wrong answers, each
  carrying the mistake that produces it as feedback, in an order drawn from the exam seed (the
  right answer is not always first, and the order is the same on every export).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from generator.answers import KINDS, display
from generator.errors import UserError, brief
from generator.render import markdown_to_html

T = TypeVar("T")

MAX_DISTRACTORS = 4
"""Wrong options in a multiple-choice version (the blank's first, most typical, mistakes)."""

AXES: dict[int, tuple[str, ...]] = {
    1: ("length",),
    2: ("steps", "features"),
    3: ("height", "width", "channels"),
    4: ("depth", "height", "width", "channels"),
}
"""Names of the axes after the batch axis, by rank, as the questions call them."""

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHAPE = re.compile(r"[0-9]+(x[0-9]+)*")
_INT = re.compile(r"[0-9]+")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters, lone surrogates).

    >>> xml_text("a\\x00b\\tc")
    'ab\\tc'
    """
    return _XML_INVALID.sub("", text)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) folded into one space.

    >>> one_line(" Zoë\\n  Tester ")
    'Zoë Tester'
    """
    return " ".join(text.split())


def axis_names(rank: int) -> tuple[str, ...]:
    """What the questions call the axes of a shape of ``rank`` (batch axis excluded).

    >>> axis_names(3), axis_names(5)[4]
    (('height', 'width', 'channels'), 'axis 5')
    """
    return AXES.get(rank, tuple(f"axis {i + 1}" for i in range(rank)))


def seeded_order(items: Iterable[T], salt: str, key: Callable[[T], str]) -> list[T]:
    """``items`` in an order that looks random but depends only on ``salt`` and each item's key.

    >>> seeded_order("abc", "s", str) == seeded_order("cab", "s", str)
    True
    """
    return sorted(items, key=lambda item: hashlib.sha256(f"{salt}\x00{key(item)}".encode()).hexdigest())


# ---------------------------------------------------------------- the exam


@dataclass(frozen=True)
class Student:
    """One student's variant of the exam.

    Attributes:
        id: The roster id (``s001``).
        name: The student's name as the roster gives it (may be empty); user text, escape it.
        variant: The variant code printed on the paper (``K7Q-2MX``).
        problems: The problem dicts of :meth:`Problem.to_dict
            <generator.problems.base.Problem.to_dict>`, all validated.
    """

    id: str
    name: str
    variant: str
    problems: tuple[dict[str, Any], ...]

    @property
    def label(self) -> str:
        """``K7Q-2MX s001``: how categories, quizzes and question names call this variant."""
        return one_line(f"{self.variant} {self.id}")


@dataclass(frozen=True)
class Exam:
    """A master key, validated."""

    title: str
    seed: int
    students: tuple[Student, ...]


def _need(ok: bool, where: str, what: str, value: Any) -> None:
    if not ok:
        raise UserError(f"master key: {where} {what}; got {brief(value, 60)}")


def _texts(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


def _check_blank(blank: Any, at: str) -> None:
    _need(isinstance(blank, dict), at, "must be a blank object", blank)
    for field in ("id", "label", "answer"):
        _need(isinstance(blank.get(field), str) and blank[field] != "", at, f"needs a text {field!r}", blank.get(field))
    kind = blank.get("kind")
    _need(kind in KINDS, at, f"has a 'kind' that is not one of {', '.join(KINDS)}", kind)
    accepted = blank.get("accepted")
    _need(isinstance(accepted, list | tuple) and len(accepted) > 0, at, "needs a non-empty 'accepted' list", accepted)
    pattern = {"shape": _SHAPE, "int": _INT}.get(kind)
    for answer in (blank["answer"], *accepted):
        ok = isinstance(answer, str) and answer != "" and (pattern is None or pattern.fullmatch(answer) is not None)
        _need(ok, at, f"has an answer that is not a canonical {kind}", answer)
    _need(blank["answer"] in accepted, at, "has an 'answer' missing from 'accepted'", blank["answer"])
    distractors = blank.get("distractors", [])
    _need(isinstance(distractors, list | tuple), at, "has 'distractors' that are not a list", distractors)
    for d in distractors:
        ok = isinstance(d, dict) and isinstance(d.get("answer"), str) and isinstance(d.get("mistake"), str)
        _need(ok, at, "has a distractor without a text 'answer' and 'mistake'", d)
        ok = d["answer"] != "" and (pattern is None or pattern.fullmatch(d["answer"]) is not None)
        _need(ok, at, f"has a distractor that is not a canonical {kind}", d["answer"])
    _need(_texts(blank.get("steps", [])), at, "has 'steps' that are not a list of text", blank.get("steps"))


def _check_problem(problem: Any, at: str) -> None:
    _need(isinstance(problem, dict), at, "must be a problem object", problem)
    for field in ("id", "title", "prompt"):
        _need(isinstance(problem.get(field), str) and (field == "prompt" or problem[field] != ""),
              at, f"needs a text {field!r}", problem.get(field))
    _need(isinstance(problem.get("code", ""), str), at, "has a 'code' that is not text", problem.get("code"))
    blanks = problem.get("blanks")
    _need(isinstance(blanks, list | tuple) and len(blanks) > 0, at, "needs a non-empty 'blanks' list", blanks)
    for j, blank in enumerate(blanks):
        _check_blank(blank, f"{at}.blanks[{j}]")
    ids = [b["id"] for b in blanks]
    _need(len(set(ids)) == len(ids), at, "has two blanks with the same id", ids)
    _need(_texts(problem.get("solution", [])), at, "has a 'solution' that is not a list of text",
          problem.get("solution"))
    table = problem.get("table", [])
    _need(isinstance(table, list | tuple), at, "has a 'table' that is not a list", table)
    for row in table:
        _need(isinstance(row, dict) and isinstance(row.get("layer"), str), at, "has a table row without a 'layer'", row)
        for column in ("shape", "params"):
            _need(row.get(column) in (None, *ids), at, f"has a table row whose {column!r} names no blank", row)


def read_master(master: Any) -> Exam:
    """Validates a master key and returns it as an :class:`Exam`.

    Extra keys (``difficulty``, ``verified_with``, a student's ``folder`` ...) are ignored.

    Raises:
        UserError: naming the first thing wrong and the value received.
    """
    _need(isinstance(master, dict), "the key", "must be an object with 'title' and 'students'", master)
    title = master.get("title")
    _need(isinstance(title, str) and title.strip() != "", "'title'", "must be non-empty text", title)
    seed = master.get("seed", 0)
    _need(isinstance(seed, int) and not isinstance(seed, bool), "'seed'", "must be an integer", seed)
    roster = master.get("students")
    _need(isinstance(roster, list | tuple) and len(roster) > 0, "'students'", "must be a non-empty list", roster)
    students, seen = [], set()
    for i, data in enumerate(roster):
        at = f"students[{i}]"
        _need(isinstance(data, dict), at, "must be a student object", data)
        for field in ("id", "variant"):
            _need(isinstance(data.get(field), str) and data[field].strip() != "", at, f"needs a text {field!r}",
                  data.get(field))
        _need(isinstance(data.get("name", ""), str), at, "has a 'name' that is not text", data.get("name"))
        _need(data["id"] not in seen, at, "repeats a student id", data["id"])
        seen.add(data["id"])
        problems = data.get("problems")
        _need(isinstance(problems, list | tuple) and len(problems) > 0, at, "needs a non-empty 'problems' list", problems)
        for j, problem in enumerate(problems):
            _check_problem(problem, f"{at}.problems[{j}]")
        pids = [p["id"] for p in problems]
        _need(len(set(pids)) == len(pids), at, "has two problems with the same id", pids)
        students.append(Student(data["id"], data.get("name", ""), data["variant"], tuple(problems)))
    return Exam(title, seed, tuple(students))


# ---------------------------------------------------------------- answer boxes


@dataclass(frozen=True)
class Box:
    """One thing a student types: a whole ``int`` or ``choice`` blank, or one axis of a shape.

    Attributes:
        qid: The grading id of the blank, ``{problem id}.{blank id}``.
        axis: Position of the axis after the batch axis (0 = height of an image tensor), or
            None when the box is the whole blank.
        label: What to fill in, e.g. ``Output shape of conv2d (Conv2D): height``.
        kind: ``int`` (whole numbers, shape axes included) or ``choice``.
        accepted: Every right answer, canonical (digits for ``int``).
        hint: One sentence on what to type.
    """

    qid: str
    axis: int | None
    label: str
    kind: str
    accepted: tuple[str, ...]
    hint: str

    @property
    def key(self) -> str:
        """``q1.l0_shape[0]`` for an axis, ``q1.params`` for a whole blank."""
        return self.qid if self.axis is None else f"{self.qid}[{self.axis}]"


def qid(problem: dict[str, Any], blank: dict[str, Any]) -> str:
    """The grading id ``{problem id}.{blank id}``."""
    return f"{problem['id']}.{blank['id']}"


def boxes(problem: dict[str, Any], blank: dict[str, Any]) -> tuple[Box, ...]:
    """The boxes of one blank: one for an ``int`` or ``choice`` blank, one per axis of a shape.

    For a shape with several right answers (none is generated today), an axis accepts each
    value that a right shape of the same rank has there.

    >>> b = {"id": "s", "label": "Output shape", "kind": "shape", "answer": "26x26x32",
    ...      "accepted": ["26x26x32"]}
    >>> [(x.key, x.accepted) for x in boxes({"id": "q1"}, b)]
    [('q1.s[0]', ('26',)), ('q1.s[1]', ('26',)), ('q1.s[2]', ('32',))]
    """
    kind, label = blank["kind"], blank["label"]
    if kind != "shape":
        hint = "Type a whole number." if kind == "int" else "Choose one."
        return (Box(qid(problem, blank), None, label, kind, tuple(blank["accepted"]), hint),)
    dims = blank["answer"].split("x")
    names = axis_names(len(dims))
    same_rank = [a.split("x") for a in blank["accepted"] if len(a.split("x")) == len(dims)]
    keras = "(None, " + ", ".join(names) + ")"
    return tuple(
        Box(qid(problem, blank), i, f"{label}: {name}", "int",
            tuple(dict.fromkeys(shape[i] for shape in same_rank)),
            f"Keras prints this shape as {keras}; type the {name} value as a whole number.")
        for i, name in enumerate(names)
    )


# ---------------------------------------------------------------- multiple choice


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


def multiple_choice(problem: dict[str, Any], blank: dict[str, Any], salt: str) -> MultipleChoice | None:
    """The multiple-choice version of ``blank``, or None when it has no distractors.

    The right option is the blank's ``answer`` (other accepted answers are left out, so exactly
    one option is right); the wrong ones are its first :data:`MAX_DISTRACTORS` distractors,
    each with its mistake. ``salt`` (exam seed and student) fixes the order.

    >>> b = {"id": "p", "label": "Param #", "kind": "int", "answer": "320", "accepted": ["320"],
    ...      "distractors": [{"answer": "288", "mistake": "dropped the bias"}]}
    >>> sorted((o.text, o.correct) for o in multiple_choice({"id": "q1"}, b, "seed").options)
    [('288', False), ('320', True)]
    """
    kind, seen, wrong = blank["kind"], set(blank["accepted"]), []
    for distractor in blank.get("distractors", []):
        if distractor["answer"] not in seen and len(wrong) < MAX_DISTRACTORS:
            seen.add(distractor["answer"])
            wrong.append(distractor)
    if not wrong:
        return None
    options = [Option(display(blank["answer"], kind), True, "Right.")]
    options += [Option(display(d["answer"], kind), False, f"Typical mistake: {d['mistake']}.") for d in wrong]
    ordered = seeded_order(options, f"{salt}\x00{qid(problem, blank)}", lambda o: o.text)
    return MultipleChoice(qid(problem, blank), blank["label"], tuple(ordered))


# ---------------------------------------------------------------- HTML


@lru_cache(maxsize=4096)
def _prompt_html(prompt: str) -> str:
    """A prompt's Markdown as HTML; every question of a problem repeats its prompt, so the
    conversion (a pure function of the text) is done once."""
    return markdown_to_html(prompt)


def problem_html(problem: dict[str, Any]) -> str:
    """The problem statement: the prompt's Markdown as HTML, then the Keras code (if any)."""
    parts = [_prompt_html(problem["prompt"])]
    if problem.get("code"):
        parts.append(f'<pre><code class="language-python">{html.escape(problem["code"], quote=False)}</code></pre>')
    return "\n".join(parts)


def steps_html(steps: Sequence[str], answers: Sequence[tuple[str, str]]) -> str:
    """A worked solution: the steps as a numbered list, then ``label: answer`` lines."""
    parts = []
    if steps:
        items = "".join(f"<li>{html.escape(s, quote=False)}</li>" for s in steps)
        parts.append(f"<p>Worked solution:</p>\n<ol>{items}</ol>")
    if answers:
        items = "".join(f"<li>{html.escape(label, quote=False)}: <strong>{html.escape(shown, quote=False)}</strong></li>"
                        for label, shown in answers)
        parts.append(f"<p>Answers:</p>\n<ul>{items}</ul>")
    return "\n".join(parts)


def shown(blank: dict[str, Any]) -> str:
    """The blank's right answers as the key shows them: ``(None, 26, 26, 32)``, ``3 or 5``."""
    return " or ".join(display(a, blank["kind"]) for a in blank["accepted"])


def solution_html(problem: dict[str, Any]) -> str:
    """The problem's worked solution and every blank's answer."""
    return steps_html(problem.get("solution", []), [(b["label"], shown(b)) for b in problem["blanks"]])


def blank_solution_html(blank: dict[str, Any]) -> str:
    """One blank's worked steps and answer (for the question that asks only that blank)."""
    return steps_html(blank.get("steps", []), [(blank["label"], shown(blank))])


def blank_feedback_html(problem: dict[str, Any], blank: dict[str, Any]) -> str:
    """The solution shown with a question that asks one blank: the problem's whole solution when
    the problem has only that blank (it may hold more than the blank's steps), else the blank's."""
    return solution_html(problem) if len(problem["blanks"]) == 1 else blank_solution_html(blank)


def box_html(box: Box) -> str:
    """The line under a problem statement that says which box this question asks for."""
    return f"<p><strong>{html.escape(box.label, quote=False)}</strong>. {html.escape(box.hint, quote=False)}</p>"


def choice_html(mc: MultipleChoice) -> str:
    """The line under a problem statement that says which blank a multiple-choice question asks."""
    return f"<p><strong>{html.escape(mc.label, quote=False)}</strong>. Choose one.</p>"


def student_html(student: Student, title: str) -> str:
    """Who a variant is for, every piece of user text escaped."""
    who = html.escape(one_line(student.name)) or "(no name on the roster)"
    return (f"<p>{html.escape(title)}: variant <strong>{html.escape(student.variant)}</strong> for "
            f"{who} (id {html.escape(student.id)}).</p>")


def category_path(*names: str) -> str:
    """A Moodle question-category path under the course's top category.

    Moodle splits a path on ``/`` and reads ``//`` as a ``/`` inside a name (``assemble_category_path``
    in ``question/format.php``); names are folded onto one line.

    >>> category_path("CNN 1/2", "K7Q-2MX s001")
    '$course$/top/CNN 1//2/K7Q-2MX s001'
    """
    escaped = []
    for name in names:
        part = one_line(name).replace("/", "//")
        if part.startswith("/"):
            part = " " + part
        if part.endswith("/"):
            part += " "
        escaped.append(part)
    return "/".join(["$course$/top", *escaped])
