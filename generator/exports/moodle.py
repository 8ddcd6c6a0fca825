"""Moodle XML (``<quiz>``) of an exam, as Moodle's importer reads it
(``question/format/xml/format.php``).

Layout: for each student, a ``<question type="category">`` ``$course$/top/<title>/<variant> <id>``
whose ``<info>`` names the student, followed by that student's questions, one per problem:

* one ``int`` blank -> ``numerical``: one ``<answer fraction="100">`` per right answer, each with
  ``<tolerance>0</tolerance>``;
* one ``choice`` blank -> ``multichoice`` (one right option, the distractors with their mistakes);
* anything else (shapes, several blanks: the summary table) -> ``cloze`` (Moodle's multianswer):
  ``{1:NUMERICAL:=26:0}`` per number, a shape written ``(None, {..}, {..}, {..})`` with one
  NUMERICAL per axis (see :mod:`generator.exports.content`), a choice as ``{1:MULTICHOICE:...}``.
  Field weights make every blank weigh the same: a shape's axes share its weight (``{1:...}``
  each for a 3-axis shape beside ``{3:...}`` for a number).

Each question's ``<defaultgrade>`` is its problem's points (see ``points`` in the key format), so
every variant of an exam slot is worth the same in a Moodle quiz.

Then a subcategory ``.../multiple choice`` with a ``multichoice`` question per blank that has a
multiple-choice version (single answer, shuffled by Moodle, each distractor's mistake in its
``<feedback>``), worth the blank's share of its problem's points.

Texts are HTML in CDATA (a ``]]>`` inside is split across two sections), and so are question
names and category paths: outside CDATA Moodle's XML reader drops a lone space between two
escaped characters (``<lt> & amp`` would come back as ``<lt>& amp``). In a cloze question, every
``{`` of the text around the fields is written ``&#123;`` (``{1:`` would start a field), and
option text inside a field is entity-encoded so Moodle's splitting and un-escaping give it back
exactly (:func:`cloze_text`). The worked solution is the ``<generalfeedback>``. ``<idnumber>`` holds the grading id (``q1``, or ``q1.l0_shape`` for a
multiple-choice version), unique within its category.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable
from xml.sax.saxutils import escape

from generator.exports.content import (
    AskedBlank,
    Box,
    MultipleChoice,
    PaperQuestions,
    Question,
    by_paper,
    by_slot,
    category_path,
    choice_html,
    paper_label,
    pool_id,
    reference,
    student_html,
    xml_text,
)
from generator.figures import Figure
from generator.key import Key, Problem

PLUGINFILE = "@@PLUGINFILE@@/"
"""How a Moodle text links a file embedded in it."""


def _cdata(text: str) -> str:
    """``text`` as CDATA; a ``]]>`` inside ends one section and starts the next.

    >>> _cdata("a]]>b")
    '<![CDATA[a]]]]><![CDATA[>b]]>'
    """
    return "<![CDATA[" + xml_text(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _plain(text: str) -> str:
    return escape(xml_text(text))


def _html(tag: str, text: str, indent: str = "    ", files: tuple[Figure, ...] = ()) -> list[str]:
    """A text element; ``files`` are embedded after the text (``<file>``, base64), which the
    text links as ``@@PLUGINFILE@@/name``."""
    embedded = [f'{indent}  <file name="{f.name}.svg" path="/" encoding="base64">'
                f'{base64.b64encode(f.document.encode()).decode()}</file>' for f in files]
    return [f'{indent}<{tag} format="html">', f"{indent}  <text>{_cdata(text)}</text>", *embedded, f"{indent}</{tag}>"]


def _header(qtype: str, name: str, text: str, feedback: str, idnumber: str, grade: float,
            files: tuple[Figure, ...] = ()) -> list[str]:
    return [
        f'  <question type="{qtype}">',
        "    <name>",
        f"      <text>{_cdata(name)}</text>",
        "    </name>",
        *_html("questiontext", text, files=files),
        *_html("generalfeedback", feedback),
        f"    <defaultgrade>{grade:.7f}</defaultgrade>",
        "    <penalty>0.3333333</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{_plain(idnumber)}</idnumber>",
    ]


def _category(path: str, info: str) -> list[str]:
    return [
        '  <question type="category">',
        "    <category>",
        f"      <text>{_cdata(path)}</text>",
        "    </category>",
        *_html("info", info),
        "  </question>",
    ]


def _numerical(name: str, text: str, feedback: str, idnumber: str, accepted: tuple[str, ...], grade: float,
               files: tuple[Figure, ...] = ()) -> list[str]:
    lines = _header("numerical", name, text, feedback, idnumber, grade, files)
    for value in accepted:
        lines += [
            '    <answer fraction="100" format="moodle_auto_format">',
            f"      <text>{_plain(value)}</text>",
            '      <feedback format="html">',
            "        <text></text>",
            "      </feedback>",
            "      <tolerance>0</tolerance>",
            "    </answer>",
        ]
    return [*lines, "    <unitgradingtype>0</unitgradingtype>", "    <unitpenalty>0.1000000</unitpenalty>",
            "    <showunits>3</showunits>", "    <unitsleft>0</unitsleft>", "  </question>"]


def _multichoice(name: str, text: str, feedback: str, idnumber: str, mc: MultipleChoice, grade: float,
                 files: tuple[Figure, ...] = ()) -> list[str]:
    lines = _header("multichoice", name, text, feedback, idnumber, grade, files)
    lines += [
        "    <single>true</single>",
        "    <shuffleanswers>true</shuffleanswers>",
        "    <answernumbering>abc</answernumbering>",
        "    <showstandardinstruction>0</showstandardinstruction>",
        *_html("correctfeedback", "<p>Right.</p>"),
        *_html("partiallycorrectfeedback", ""),
        *_html("incorrectfeedback", "<p>Not this one: see the worked solution.</p>"),
    ]
    for option in mc.options:
        lines += [
            f'    <answer fraction="{100 if option.correct else 0}" format="html">',
            f"      <text>{_cdata(html.escape(option.text, quote=False))}</text>",
            *_html("feedback", f"<p>{html.escape(option.feedback, quote=False)}</p>", "      "),
            "    </answer>",
        ]
    return [*lines, "  </question>"]


def _cloze(name: str, text: str, feedback: str, idnumber: str, grade: float, files: tuple[Figure, ...] = ()) -> list[str]:
    return [*_header("cloze", name, text, feedback, idnumber, grade, files), "  </question>"]


_CLOZE_ENTITIES = {"~": "&#126;", "}": "&#125;", "#": "&#35;", "{": "&#123;", "=": "&#61;", "%": "&#37;", "\\": "&#92;"}


def cloze_text(text: str) -> str:
    r"""An option inside a cloze field, written so that Moodle reads back exactly ``text``.

    Moodle (``qtype_multianswer``) splits a field's options at ``~``, ``#`` and ``}`` unless the
    character follows ``\`` or ``&``, reads a leading ``=`` or ``%50%`` as a grade, then
    decodes HTML entities and un-escapes only ``\}`` and ``\#``. So every special character
    (``~ } # { = % \``) is written as a numeric entity (the ``#`` inside one follows ``&``),
    ``& < >`` as HTML entities, and nothing is backslash-escaped; a backslash right before a
    ``}`` or ``#`` is written twice, because the un-escaping eats one.

    >>> cloze_text("a~b}c#d")
    'a&#126;b&#125;c&#35;d'
    >>> cloze_text("\\}"), cloze_text("a\\")
    ('&#92;&#92;&#125;', 'a&#92;')
    """
    out = []
    for i, char in enumerate(text):
        if char == "\\" and text[i + 1:i + 2] in ("}", "#"):
            out.append("&#92;&#92;")
        elif char in _CLOZE_ENTITIES:
            out.append(_CLOZE_ENTITIES[char])
        else:
            out.append(html.escape(char, quote=False))
    return "".join(out)


def cloze_prose(text: str) -> str:
    """HTML around the fields of a cloze question: every ``{`` written ``&#123;``, because
    ``{1:...`` or ``{:...`` anywhere in the text starts a field in Moodle.

    >>> cloze_prose("<p>{1:NUMERICAL:=3}</p>")
    '<p>&#123;1:NUMERICAL:=3}</p>'
    """
    return text.replace("{", "&#123;")


def cloze_field(box: Box, mc: MultipleChoice | None, weight: int = 1) -> str:
    """The embedded answer of one box: ``{1:NUMERICAL:=26:0}`` (``~``-separated when several
    answers are right), ``{1:MULTICHOICE:=same~valid}`` for a choice, or a SHORTANSWER for a
    choice without distractors; ``weight`` is the field's share of the question's grade.

    >>> from generator.exports.content import Box
    >>> cloze_field(Box("q1.k", None, "k", "int", ("3", "5"), ""), None)
    '{1:NUMERICAL:=3:0~=5:0}'
    """
    if box.kind == "int":
        return f"{{{weight}:NUMERICAL:" + "~".join(f"={value}:0" for value in box.accepted) + "}"
    if mc is None:
        return f"{{{weight}:SHORTANSWER:" + "~".join(f"={cloze_text(value)}" for value in box.accepted) + "}"
    return f"{{{weight}:MULTICHOICE:" + "~".join(("=" if o.correct else "") + cloze_text(o.text) for o in mc.options) + "}"


def _blank_field(asked: AskedBlank, share: int) -> str:
    """The blank's fields; ``share`` is the weight the blank's fields add up to (a shape's axes
    split it, so every blank of a problem weighs the same, whatever its number of axes)."""
    fields = [cloze_field(box, asked.choice, share // len(asked.boxes)) for box in asked.boxes]
    return "(None, " + ", ".join(fields) + ")" if asked.blank.kind == "shape" else fields[0]


def cloze_html(question: Question) -> str:
    """The problem statement with its blanks embedded: the summary table and a by-hand feature
    map as HTML tables of fields, every other blank as a ``label: field`` line."""
    share = math.lcm(*(len(asked.boxes) for asked in question.blanks))
    fields = {asked.blank.id: asked.mark + _blank_field(asked, share) for asked in question.blanks}
    labels = {asked.blank.id: asked.blank.label for asked in question.blanks}
    parts, used = [cloze_prose(question.statement + question.figures_html(PLUGINFILE))], set()
    rows = []
    for row in question.problem.table:
        cells = [f"<td>{cloze_prose(html.escape(row['layer'], quote=False))}</td>"]
        for column, given in (("shape", "output"), ("params", "count")):
            bid = row.get(column)
            used.add(bid)
            cells.append(f"<td>{fields[bid]}</td>" if bid else f"<td>{html.escape(row.get(given, ''), quote=False)}</td>")
        if "connected" in row:
            cells.append(f"<td>{html.escape(row['connected'], quote=False)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if rows:
        wired = "<th>Connected to</th>" if "connected" in question.problem.table[0] else ""
        parts.append(f"<table>\n<thead><tr><th>Layer (type)</th><th>Output Shape</th><th>Param #</th>{wired}</tr></thead>\n"
                     "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")
    if question.problem.grid:  # a feature map by hand: a grid of numeric fields
        grid = question.problem.grid
        head = "".join(f"<th>column {j}</th>" for j in range(1, len(grid[0]) + 1))
        body = "\n".join(f"<tr><th>row {i}</th>" + "".join(f"<td>{fields[bid]}</td>" for bid in row) + "</tr>"
                         for i, row in enumerate(grid, 1))
        used.update(bid for row in grid for bid in row)
        parts.append(f"<table>\n<thead><tr><th></th>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>")
    parts += [f"<p>{cloze_prose(html.escape(labels[bid], quote=False))}: {field}</p>"
              for bid, field in fields.items() if bid not in used]
    return "\n".join(parts)


def cloze_order(problem: Problem) -> tuple[str, ...]:
    """The blank ids of a cloze question in the order :func:`cloze_html` places their fields
    (which is how Moodle numbers its parts in a response: ``part 1: 26; part 2: ...``): the
    summary table row by row (shape, then Param #), the by-hand grid row by row, then the other
    blanks in key order."""
    placed = [row[c] for row in problem.table for c in ("shape", "params") if row.get(c)]
    placed += [bid for row in problem.grid for bid in row]
    return (*placed, *(b.id for b in problem.blanks if b.id not in set(placed)))


def _typed_question(label: str, question: Question, idnumber: str | None = None, tail: str = "") -> list[str]:
    """The typed question of one problem; ``tail`` (HTML) ends its text (a pooled question's
    :func:`reference`)."""
    problem = question.problem
    idnumber = problem.id if idnumber is None else idnumber
    name = f"{label} {problem.id}: {problem.title}"
    statement, files = question.statement + question.figures_html(PLUGINFILE) + tail, question.figures
    if len(question.blanks) == 1 and question.blanks[0].blank.kind != "shape":
        asked = question.blanks[0]
        (box,) = asked.boxes
        if box.kind == "int":
            return _numerical(name, statement, question.solution, idnumber, box.accepted, problem.worth, files)
        if asked.choice is not None:
            return _multichoice(name, statement + "\n" + choice_html(asked.choice, asked.mark), question.solution,
                                idnumber, asked.choice, problem.worth, files)
    return _cloze(name, cloze_html(question) + cloze_prose(tail), question.solution, idnumber, problem.worth, files)


def _choice_questions(label: str, question: Question) -> list[str]:
    lines: list[str] = []
    for asked in question.blanks:
        mc = asked.choice
        if mc is not None:
            lines += _multichoice(f"{label} {mc.qid} (multiple choice)",
                                  question.statement + question.figures_html(PLUGINFILE) + "\n" + choice_html(mc, asked.mark),
                                  asked.feedback, mc.qid, mc, question.problem.blank_points, question.figures)
    return lines


def moodle_xml(key: Key, papers: Iterable[PaperQuestions] | None = None) -> bytes:
    """The exam as Moodle XML, UTF-8: per student a category with the typed questions and a
    ``multiple choice`` subcategory with the multiple-choice versions.

    Args:
        key: The exam's master key.
        papers: ``by_paper(key)``, when the caller has walked the key already
            (:func:`~generator.exports.write_exports` walks it once for every format).

    Returns:
        The file's bytes; the same key always gives the same bytes.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for paper, asked in (by_paper(key) if papers is None else papers):
        label, info = paper_label(paper), student_html(paper, key.title)
        lines += _category(category_path(key.title, label), info)
        for question in asked:
            lines += _typed_question(label, question)
        lines += _category(category_path(key.title, label, "multiple choice"),
                           info + "\n<p>The same questions as multiple choice.</p>")
        for question in asked:
            lines += _choice_questions(label, question)
    lines.append("</quiz>")
    return ("\n".join(lines) + "\n").encode("utf-8")


POOL_CATEGORY = "pools"
"""The category under the exam's title that holds one subcategory per slot in pool mode."""


def slot_name(number: int, question: Question) -> str:
    """A slot's category name: ``slot 3 (q3)``, after its position and its problem id."""
    return f"slot {number} ({question.problem.id})"


def moodle_pool_xml(key: Key, papers: Iterable[PaperQuestions] | None = None) -> bytes:
    """The exam as Moodle question pools, UTF-8: one category per slot
    (``$course$/top/<title>/pools/slot 1 (q1)``) holding every student's typed question of that
    slot, so a Moodle quiz can draw each slot with "Add > a random question" from its category.

    Each question is the one :func:`moodle_xml` writes for the student (same name, text,
    answers and ``<defaultgrade>``: the slot's points, equal for every variant of a slot), but
    its ``<idnumber>`` is ``{problem id} {variant}`` (``q1 K7Q-2MX``), because Moodle keeps an
    idnumber unique within a category. The multiple-choice versions are not pooled.

    Args:
        key: The exam's master key.
        papers: ``by_paper(key)``, when the caller has walked it already.

    Returns:
        The file's bytes; the same key always gives the same bytes.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for index, present in enumerate(by_slot(key, papers)):
        name = slot_name(index + 1, present[0][2])
        lines += _category(category_path(key.title, POOL_CATEGORY, name),
                           f"<p>{html.escape(key.title)}: {html.escape(name)}, one question per student variant "
                           f"({len(present)}). Add it to a quiz as a random question from this category.</p>")
        for _, paper, question in present:
            lines += _typed_question(paper_label(paper), question, pool_id(question.problem, paper),
                                     "\n" + reference(question.problem, paper))
    lines.append("</quiz>")
    return ("\n".join(lines) + "\n").encode("utf-8")
