"""GIFT text of an exam, as Moodle's GIFT importer reads it (``question/format/gift/format.php``).

GIFT has no cloze, so every box is its own question (see :mod:`generator.exports.content`): an
``int`` box is ``{#26:0}`` (several right answers: ``{#=3:0 =5:0}``), a shape is one such
question per axis, a ``choice`` blank is ``{=same#Right. ~valid#Not quite: this is what you get if you ...}``. Each
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
from collections.abc import Iterable

from generator.exports.content import (
    Box,
    MultipleChoice,
    PaperQuestions,
    Question,
    box_html,
    by_paper,
    category_path,
    choice_html,
    exam_seed,
    one_line,
    paper_label,
)
from generator.key import Key

_RESERVED = (
    ("\\", "\\\\"), ("~", "\\~"), ("=", "\\="), ("#", "\\#"), ("{", "\\{"), ("}", "\\}"), (":", "\\:"),
    ("\n", "\\n"), ("\r", ""),
)
"""Each reserved character and how it is written, the backslash first (the others add backslashes)."""


def escape(text: str) -> str:
    """``text`` with GIFT's reserved characters escaped and newlines written ``\\n``.

    >>> escape("a=b: {c}")
    'a\\\\=b\\\\: \\\\{c\\\\}'
    """
    for char, escaped in _RESERVED:  # str.replace is several times faster than str.translate
        if char in text:
            text = text.replace(char, escaped)
    return text


def _category(*names: str) -> str:
    return "$CATEGORY: " + category_path(*names).replace("\\", "\\\\")


def _question(name: str, text: str, answers: str, feedback: str) -> str:
    """One question line; ``text`` and ``feedback`` come already :func:`escape` d (a problem's
    statement is escaped once for all of its questions)."""
    return f"::{escape(name)}::[html]{text}{{{answers}####{feedback}}}"


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


def _typed(label: str, question: Question) -> list[str]:
    statement = escape(question.statement + "\n")
    out = []
    for asked in question.blanks:
        mc, feedback = asked.choice, escape(asked.feedback)
        for box in asked.boxes:
            if box.kind == "int":
                answers, text = _numerical(box), statement + escape(box_html(box))
            elif mc is not None:
                answers, text = _choices(mc), statement + escape(choice_html(mc))
            else:
                answers, text = " ".join(f"={escape(v)}" for v in box.accepted), statement + escape(box_html(box))
            out.append(f"// {one_line(box.key)}\n" + _question(f"{label} {box.key}", text, answers, feedback))
    return out


def _multiple_choice(label: str, question: Question) -> list[str]:
    out, statement = [], escape(question.statement + "\n")
    for asked in question.blanks:
        mc = asked.choice
        if mc is not None:
            out.append(f"// {one_line(mc.qid)} (multiple choice)\n" + _question(
                f"{label} {mc.qid} (multiple choice)", statement + escape(choice_html(mc)),
                _choices(mc), escape(asked.feedback)))
    return out


def gift(key: Key, papers: Iterable[PaperQuestions] | None = None) -> str:
    """The exam as GIFT text: per student a category of typed questions and a ``multiple
    choice`` subcategory.

    Args:
        key: The exam's master key.
        papers: ``by_paper(key)``, when the caller has walked the key already
            (:func:`~generator.exports.write_exports` walks it once for every format).

    Returns:
        The text, ``\\n`` line ends; the same key always gives the same text.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    blocks = [
        f"// {one_line(key.title)} (seed {exam_seed(key)}): exam questions for Moodle's GIFT import.\n"
        "// Shapes are asked one axis at a time; every box is one question worth one mark."
    ]
    for paper, asked in (by_paper(key) if papers is None else papers):
        label, who = paper_label(paper), one_line(paper.name) or "no name on the roster"
        blocks.append(f"// Variant {one_line(paper.variant)} for student {one_line(paper.id)} ({who}): typed answers\n"
                      + _category(key.title, label))
        for question in asked:
            blocks += _typed(label, question)
        blocks.append(f"// Variant {one_line(paper.variant)}: multiple choice\n"
                      + _category(key.title, label, "multiple choice"))
        for question in asked:
            blocks += _multiple_choice(label, question)
    return "\n\n".join(blocks) + "\n"
