"""GIFT text of an exam, as Moodle's GIFT importer reads it (``question/format/gift/format.php``).

GIFT has no cloze, so every box is its own question (see :mod:`generator.exports.content`): an
``int`` box is ``{#26:0}`` (several right answers: ``{#=3:0 =5:0}``), a shape is one such
question per axis, a ``choice`` blank is ``{=same#Right. ~valid#Typical mistake...}``. Each
question repeats the problem statement, so it stands alone when a quiz shuffles.

Layout: per student, ``$CATEGORY: $course$/top/<title>/<variant> <id>`` with the typed questions,
then ``.../multiple choice`` with a multiple-choice version of every blank. Each question is
``::<variant> <id> <grading id>::[html]<text>{<answers>####<worked solution>}`` on one line
(newlines written ``\\n``), after a ``//`` comment with its grading id; a blank line separates
questions. In text, ``\\ ~ = # { } :`` are escaped with a backslash, as Moodle's own export does.
The importer reads a ``$CATEGORY`` line verbatim except for escape sequences, which it turns
into placeholders and never back, so there only a backslash is escaped (``\\\\`` reads as ``\\``):
the category paths are the same as in the Moodle XML. Student names appear only in ``//``
comments, on one line.
"""

from __future__ import annotations

import html
from typing import Any

from generator.exports.content import (
    Box,
    Exam,
    MultipleChoice,
    Student,
    blank_feedback_html,
    box_html,
    boxes,
    category_path,
    choice_html,
    multiple_choice,
    one_line,
    problem_html,
    read_master,
)

_RESERVED = str.maketrans({
    "\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n", "\r": "",
})


def escape(text: str) -> str:
    """``text`` with GIFT's reserved characters escaped and newlines written ``\\n``.

    >>> escape("a=b: {c}")
    'a\\\\=b\\\\: \\\\{c\\\\}'
    """
    return text.translate(_RESERVED)


def _category(*names: str) -> str:
    return "$CATEGORY: " + category_path(*names).replace("\\", "\\\\")


def _question(name: str, text: str, answers: str, feedback: str) -> str:
    return f"::{escape(name)}::[html]{escape(text)}{{{answers}####{escape(feedback)}}}"


def _numerical(box: Box) -> str:
    if len(box.accepted) == 1:
        return f"#{box.accepted[0]}:0"
    return "#" + " ".join(f"={value}:0" for value in box.accepted)


def _choices(mc: MultipleChoice) -> str:
    """Options are HTML (they take the question's format), so escaped for HTML first."""
    return " ".join(
        ("=" if o.correct else "~") + escape(html.escape(o.text, quote=False))
        + "#" + escape(html.escape(o.feedback, quote=False)) + " "
        for o in mc.options
    )


def _typed(exam: Exam, student: Student, problem: dict[str, Any]) -> list[str]:
    salt = f"{exam.seed}\x00{student.id}"
    statement = problem_html(problem)
    out = []
    for blank in problem["blanks"]:
        mc, feedback = multiple_choice(problem, blank, salt), blank_feedback_html(problem, blank)
        for box in boxes(problem, blank):
            if box.kind == "int":
                answers, text = _numerical(box), statement + "\n" + box_html(box)
            elif mc is not None:
                answers, text = _choices(mc), statement + "\n" + choice_html(mc)
            else:
                answers, text = " ".join(f"={escape(v)}" for v in box.accepted), statement + "\n" + box_html(box)
            out.append(f"// {one_line(box.key)}\n" + _question(f"{student.label} {box.key}", text, answers, feedback))
    return out


def _multiple_choice(exam: Exam, student: Student, problem: dict[str, Any]) -> list[str]:
    out, statement = [], problem_html(problem)
    for blank in problem["blanks"]:
        mc = multiple_choice(problem, blank, f"{exam.seed}\x00{student.id}")
        if mc is not None:
            out.append(f"// {one_line(mc.qid)} (multiple choice)\n" + _question(
                f"{student.label} {mc.qid} (multiple choice)", statement + "\n" + choice_html(mc),
                _choices(mc), blank_feedback_html(problem, blank)))
    return out


def gift(master: dict[str, Any]) -> str:
    """The exam as GIFT text: per student a category of typed questions and a ``multiple
    choice`` subcategory.

    Args:
        master: The master key (see :func:`generator.exports.content.read_master`).

    Returns:
        The text, ``\\n`` line ends; the same key always gives the same text.

    Raises:
        UserError: when the master key is not valid.
    """
    exam = read_master(master)
    blocks = [
        f"// {one_line(exam.title)} (seed {exam.seed}): exam questions for Moodle's GIFT import.\n"
        "// Shapes are asked one axis at a time; every box is one question worth one mark."
    ]
    for student in exam.students:
        who = one_line(student.name) or "no name on the roster"
        blocks.append(f"// Variant {one_line(student.variant)} for student {one_line(student.id)} ({who}): typed answers\n"
                      + _category(exam.title, student.label))
        for problem in student.problems:
            blocks += _typed(exam, student, problem)
        blocks.append(f"// Variant {one_line(student.variant)}: multiple choice\n"
                      + _category(exam.title, student.label, "multiple choice"))
        for problem in student.problems:
            blocks += _multiple_choice(exam, student, problem)
    return "\n\n".join(blocks) + "\n"
