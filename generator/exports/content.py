"""What every LMS export says, whatever the file format: the questions of an exam's master key,
the answer boxes, the multiple-choice versions of the blanks, and the HTML of questions and
solutions.

The master key is a :class:`~generator.key.Key` of kind ``MASTER``, already validated by
:meth:`Key.load <generator.key.Key.load>` or by its builder: one :class:`~generator.key.Paper`
per student, each a list of :class:`~generator.key.Problem` s with their
:class:`~generator.key.Blank` s. :func:`questions` walks it once (paper -> problem -> blank) and
yields one :class:`Question` per problem of a paper, carrying everything an export writes, so
the format modules only translate.

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
  carrying the mistake that produces it as feedback, in an order drawn from the exam seed and the
  student (:func:`variant_salt`): the right answer is not always first, and the order is the
  same on every export.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from generator.documents import notation_data, solution_data
from generator.errors import UserError
from generator.exports.choices import (
    MAX_DISTRACTORS,
    MultipleChoice,
    Option,
    multiple_choice,
    order_key,
    pick_distractors,
    qid,
    seeded_order,
)
from generator.figures import Figure, blank_numbers, problem_figures
from generator.key import Blank, Key, KeyKind, Paper, Problem, SolutionPart
from generator.render import markdown_to_html, render, resolve_math, shipped_environment

T = TypeVar("T")

__all__ = ["MAX_DISTRACTORS", "MultipleChoice", "Option", "multiple_choice", "order_key", "pick_distractors", "qid",
           "seeded_order"]
"""Re-exported from :mod:`generator.exports.choices` (the multiple-choice versions); the rest of
this module's public names are its own."""

AXES: dict[int, tuple[str, ...]] = {
    1: ("length",),
    2: ("steps", "features"),
    3: ("height", "width", "channels"),
    4: ("depth", "height", "width", "channels"),
}
"""Names of the axes after the batch axis, by rank, as the questions call them."""

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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


# ---------------------------------------------------------------- the papers


def variant_salt(seed: int | None, student_id: str) -> str:
    """What fixes the option order of one student's multiple-choice questions: the exam seed
    and the student id.

    >>> variant_salt(2026, "s001")
    '2026\\x00s001'
    """
    return f"{seed}\x00{student_id}"


def exam_seed(key: Key) -> int:
    """The seed the exports are drawn from: the key's, or 0 for a key that records none."""
    return 0 if key.seed is None else key.seed


def paper_label(paper: Paper) -> str:
    """``K7Q-2MX s001``: how categories, quizzes and question names call a student's variant.

    >>> from generator.roster import Student
    >>> paper_label(Paper(Student("s001", "Ann"), "K7Q-2MX", "", ()))
    'K7Q-2MX s001'
    """
    return one_line(f"{paper.variant} {paper.id}")


REFERENCE = "Question reference"
"""The words before a pooled question's grading id and variant in its text (:func:`reference`)."""


def pool_id(problem: Problem, paper: Paper) -> str:
    """A pooled question's grading id and variant, ``q3 K7Q-2MX``: its Moodle ``<idnumber>``
    and what its :func:`reference` names.

    >>> from types import SimpleNamespace
    >>> from generator.roster import Student
    >>> pool_id(SimpleNamespace(id="q3"), Paper(Student("s001", "Ann"), "K7Q-2MX", "", ()))
    'q3 K7Q-2MX'
    """
    return f"{problem.id} {paper.variant or paper.id}"


def reference(problem: Problem, paper: Paper) -> str:
    """The line a pooled question's text ends with, as HTML: ``Question reference: q3
    K7Q-2MX`` (:func:`pool_id`). An LMS's response export keeps the question text (Canvas in each
    question column's header, Moodle in ``Question N``) but not the question's name, so this is
    how :mod:`generator.grading.lms` knows which variant a student drew."""
    return f"<p><small>{html.escape(one_line(f'{REFERENCE}: {pool_id(problem, paper)}'), quote=False)}</small></p>"


def student_html(paper: Paper, title: str) -> str:
    """Who a variant is for, every piece of user text escaped."""
    who = html.escape(one_line(paper.name)) or "(no name on the roster)"
    return (f"<p>{html.escape(title)}: variant <strong>{html.escape(paper.variant)}</strong> for "
            f"{who} (id {html.escape(paper.id)}).</p>")


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



def boxes(problem: Problem, blank: Blank) -> tuple[Box, ...]:
    """The boxes of one blank: one for an ``int`` or ``choice`` blank, one per axis of a shape.

    For a shape with several right answers (none is generated today), an axis accepts each
    value that a right shape of the same rank has there.

    >>> from generator.engine import ModelSpec
    >>> from generator.engine.layers import Conv2D
    >>> from generator.key import ProblemType
    >>> b = Blank("s", "Output shape", "shape", "26x26x32", ("26x26x32",))
    >>> p = Problem("q1", ProblemType.LAYER_SHAPE, "intro", "t", "", (b,), (),
    ...             ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),)))
    >>> [(x.key, x.accepted) for x in boxes(p, b)]
    [('q1.s[0]', ('26',)), ('q1.s[1]', ('26',)), ('q1.s[2]', ('32',))]
    """
    kind, label = blank.kind, blank.label
    if kind != "shape":
        hint = "Type a whole number." if kind == "int" else "Choose one."
        return (Box(qid(problem, blank), None, label, kind, blank.accepted, hint),)
    dims = blank.answer.split("x")
    names = axis_names(len(dims))
    same_rank = [a.split("x") for a in blank.accepted if len(a.split("x")) == len(dims)]
    keras = "(None, " + ", ".join(names) + ")"
    return tuple(
        Box(qid(problem, blank), i, f"{label}: {name}", "int",
            tuple(dict.fromkeys(shape[i] for shape in same_rank)),
            f"Keras prints this shape as {keras}; type the {name} value as a whole number.")
        for i, name in enumerate(names)
    )


# ---------------------------------------------------------------- multiple choice


# ---------------------------------------------------------------- HTML


@lru_cache(maxsize=4096)
def _prompt_html(prompt: str) -> str:
    """A prompt's Markdown as HTML; every question of a problem repeats its prompt, so the
    conversion (a pure function of the text) is done once."""
    return markdown_to_html(prompt)


def problem_html(problem: Problem) -> str:
    """The problem statement: the prompt's Markdown as HTML, then the Keras code (if any)."""
    parts = [_prompt_html(problem.prompt)]
    if problem.code:
        parts.append(f'<pre><code class="language-python">{html.escape(problem.code, quote=False)}</code></pre>')
    return "\n".join(parts)


def solution_html(problem: Problem, math: str = "tex", blank: Blank | None = None) -> str:
    """The worked solution (the problem's, or with ``blank`` that blank's steps only) and the
    answers, as HTML (``templates/solution.html.j2``: the general rule, then the numbers, then
    the words, as the key prints them), with formulas as ``\\(...\\)`` for Moodle's MathJax
    filter (``math="tex"``) or as MathML for Canvas (``math="mathml"``)."""
    return resolve_math(_marked_solution(problem, blank), math)


def solution_pair(problem: Problem, blank: Blank | None = None) -> tuple[str, str]:
    """:func:`solution_html` for Moodle and for Canvas, rendered once."""
    marked = _marked_solution(problem, blank)
    return resolve_math(marked, "tex"), resolve_math(marked, "mathml")


def _marked_solution(problem: Problem, blank: Blank | None) -> str:
    parts = problem.solution if blank is None else (SolutionPart("", blank.steps),)
    blanks = problem.blanks if blank is None else (blank,)
    return render(shipped_environment(), "solution.html.j2", {
        "solution": solution_data(parts), "notation": notation_data(parts),
        "answers": [{"label": b.label, "shown": b.shown} for b in blanks], "mode": "mark",
    }).strip()


def figure_html(figures: Iterable[Figure], base: str) -> str:
    """Figures as images: ``<img src="{base}{name}.svg">`` with the figure's description as the
    alternative text and its title as the tooltip, one paragraph each.

    >>> figure_html([Figure("q1-strip", "strip", "A <b>", "In & out", "", "")], "@@PLUGINFILE@@/")
    '<p><img src="@@PLUGINFILE@@/q1-strip.svg" alt="In &amp; out" title="A &lt;b&gt;" style="max-width: 100%"></p>'
    """
    return "".join(
        f'<p><img src="{base}{f.name}.svg" alt="{html.escape(f.desc)}" title="{html.escape(f.title)}" '
        'style="max-width: 100%"></p>' for f in figures
    )


def box_html(box: Box, mark: str = "") -> str:
    """The line under a problem statement that says which box this question asks for (``mark``:
    the blank's number as the figures name it, ``[3] ``)."""
    return f"<p><strong>{mark}{html.escape(box.label, quote=False)}</strong>. {html.escape(box.hint, quote=False)}</p>"


def choice_html(mc: MultipleChoice, mark: str = "") -> str:
    """The line under a problem statement that says which blank a multiple-choice question asks."""
    return f"<p><strong>{mark}{html.escape(mc.label, quote=False)}</strong>. Choose one.</p>"


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


# ---------------------------------------------------------------- the questions


@dataclass(frozen=True)
class AskedBlank:
    """One blank as the exports ask it.

    Attributes:
        blank: The key's blank.
        qid: Its grading id, ``{problem id}.{blank id}``.
        boxes: What a student types for it (:func:`boxes`).
        choice: Its multiple-choice version (:func:`multiple_choice`), or None.
        feedback: The solution shown with a question that asks only this blank (the problem's
            whole solution when it has only that blank, else the blank's steps), formulas for
            MathJax (Moodle).
        feedback_mathml: The same with MathML formulas (Canvas).
    """

    blank: Blank
    qid: str
    boxes: tuple[Box, ...]
    choice: MultipleChoice | None
    feedback: str
    feedback_mathml: str
    number: int | None = None
    """The blank's number in its problem, as the problem's figures name it (None: unnumbered)."""

    @property
    def mark(self) -> str:
        """``[3] `` before the blank's box or label when the figures name it by number, else ``""``."""
        return "" if self.number is None else f"[{self.number}] "


@dataclass(frozen=True)
class Question:
    """One problem of one student's paper, with everything an export writes about it.

    Attributes:
        paper: The student's paper.
        problem: The problem.
        salt: The paper's :func:`variant_salt`.
        statement: :func:`problem_html` of the problem (every box of the problem repeats it).
        solution: :func:`solution_html` of the problem, formulas for MathJax (Moodle).
        blanks: The problem's blanks, in order.
    """

    paper: Paper
    problem: Problem
    salt: str
    statement: str
    solution: str
    blanks: tuple[AskedBlank, ...]
    figures: tuple[Figure, ...] = ()
    """The student's figures of the problem (:func:`generator.figures.problem_figures`), which
    each format embeds as ``.svg`` files: :meth:`figures_html` links them."""

    def figures_html(self, base: str) -> str:
        """An ``<img>`` per figure, ``base`` + the file name as its source, its description as the
        alternative text."""
        return figure_html(self.figures, base)


def ask(paper: Paper, problem: Problem, salt: str) -> Question:
    """The :class:`Question` of one problem of ``paper``; ``salt`` is the paper's :func:`variant_salt`."""
    solution, solution_mathml = solution_pair(problem)
    only = len(problem.blanks) == 1
    numbers = blank_numbers(problem)
    asked = tuple(
        AskedBlank(blank, qid(problem, blank), boxes(problem, blank), multiple_choice(problem, blank, salt),
                   *((solution, solution_mathml) if only else solution_pair(problem, blank)), numbers.get(blank.id))
        for blank in problem.blanks
    )
    return Question(paper, problem, salt, problem_html(problem), solution, asked, problem_figures(problem, reveal=False))


PaperQuestions = tuple[Paper, tuple[Question, ...]]
"""A student's paper with the :class:`Question` of each of its problems, in order."""


def by_paper(key: Key) -> Iterator[PaperQuestions]:
    """Walks an exam's master key once: each student's paper, in order, with the
    :class:`Question` of each of its problems (every export lists a student's questions
    together, typed answers first, then the multiple-choice versions). The exporters walk the
    key themselves, or take the walk from a caller that writes several formats.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    if key.kind is not KeyKind.MASTER:
        raise UserError(f"LMS exports are made from an exam master key; got a {key.kind.description}")
    seed = exam_seed(key)
    for paper in key.papers:
        salt = variant_salt(seed, paper.id)
        yield paper, tuple(ask(paper, problem, salt) for problem in paper.problems)


def by_slot(key: Key, papers: Iterable[PaperQuestions] | None = None) -> list[list[tuple[int, Paper, Question]]]:
    """The exam slot by slot, for the question pools: per slot, every student's question in it
    as (the student's number in the roster, from 1; the paper; the question). ``papers``:
    :func:`by_paper` of ``key`` when the caller has walked it already.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    walked = list(by_paper(key) if papers is None else papers)
    slots = max((len(asked) for _, asked in walked), default=0)
    return [[(number, paper, asked[index]) for number, (paper, asked) in enumerate(walked, 1) if index < len(asked)]
            for index in range(slots)]


def questions(key: Key) -> Iterator[Question]:
    """Every problem of every paper of an exam's master key, in order, as the exports ask it.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    for _, asked in by_paper(key):
        yield from asked
