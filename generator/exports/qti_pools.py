"""Canvas question pools: ``canvas_pools_qti.zip``, one QTI 1.2 assessment whose sections are
question groups, one per exam slot, each holding every student's variant of the slot.

A Canvas question group draws ``selection_number`` items at random; the per-student export
(:mod:`generator.exports.qti`) writes one item per number box, so a group of those would hand
out a single box. Here each variant is ONE item holding the whole problem, a
``fill_in_multiple_blanks_question``, and a group draws one item (one whole variant).

Layout, as Canvas' own exporter writes it (``instructure/canvas-lms``: ``lib/cc/qti/qti_generator.rb``
``add_group``, ``lib/cc/qti/qti_items.rb`` ``multiple_dropdowns_response_lid`` and
``multiple_dropdowns_resprocessing``) and its importer reads it back
(``gems/plugins/qti_exporter/lib/qti/assessment_test_converter.rb`` ``process_section``: a
section with a selection is a group, ``points_per_item`` its points per question;
``gems/plugins/qti_exporter/lib/qti/fill_in_the_blank.rb`` ``process_canvas``: every choice of
a ``response_<blank>`` is a right answer of blank ``<blank>``):

* ``<section ident="root_section">`` holds one ``<section ident="slot_N" title="slot N (qN)">``
  per slot, with ``<selection_ordering><selection><selection_number>1</selection_number>
  <selection_extension><points_per_item>P</points_per_item></selection_extension></selection>
  </selection_ordering>`` (P: the slot's points, equal for every variant) and then its items, in
  roster order.
* An item's text names its blanks ``[b1]``, ``[b2]`` ...: one per axis of a shape (after the
  batch axis), one per ``int`` blank, one per ``choice`` blank. Per blank a
  ``<response_lid ident="response_b1">`` (``<material><mattext>b1</mattext></material>`` and a
  ``<render_choice>`` with a ``<response_label>`` per accepted text), and in
  ``<resprocessing>`` a ``<respcondition>`` per blank, ``<varequal respident="response_b1">``
  its first accepted answer, adding the blank's share of 100 to ``SCORE`` (shares in hundredths
  that add to exactly 100; Canvas itself writes ``%.2f`` of ``100 / blanks``, and on import
  shares every blank equally anyway).
* The solution is the item's general feedback; figures are ``webcontent`` files under
  ``web_resources/figures/pools/<variant>/``, linked as ``$IMS-CC-FILEBASE$/...``, as in the
  per-student package.

Matching is by text, not by number: Canvas compares what a student types in a blank with the
accepted texts, never their values, so ``26.0`` or ``026``
is wrong where ``26`` is right. Every item says so ("whole numbers, digits only"), and a choice
blank lists the texts to type when the blank has a multiple-choice version. The multiple-choice
versions are not pooled.

Byte-identical for the same key (fixed zip dates, sorted entries); written as text in the same
layout as :mod:`generator.exports.qti`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from generator.exports.content import (
    PaperQuestions,
    Question,
    by_slot,
    exam_seed,
    paper_label,
    reference,
    solution_pair,
)
from generator.exports.qti import (
    FILEBASE,
    attribute,
    document,
    ident,
    manifest,
    points_text,
    text,
    unique_ident,
    zip_bytes,
)
from generator.key import Key

POOL_HREF = "pools/pools.xml"
"""The assessment file in the package."""

DIGITS_NOTE = ("<p><em>Type whole numbers, digits only (26, not 26.0 or twenty-six): each blank is "
               "marked by matching its exact text.</em></p>")
"""The line every pooled item ends with."""


def slot_title(number: int, question: Question) -> str:
    """A group's title, as the Moodle pool's category: ``slot 1 (q1)``."""
    return f"slot {number} ({question.problem.id})"


def shares(count: int) -> list[str]:
    """``count`` shares of 100 in hundredths that add to exactly 100.

    >>> shares(3), shares(4), shares(1)
    (['33.33', '33.33', '33.34'], ['25.00', '25.00', '25.00', '25.00'], ['100.00'])
    """
    base, extra = divmod(10000, count)
    cents = [base + (1 if i >= count - extra else 0) for i in range(count)]
    return [f"{c // 100}.{c % 100:02d}" for c in cents]


def _blanks(question: Question) -> tuple[str, list[tuple[str, tuple[str, ...]]]]:
    """The item's blank lines (HTML, unescaped) and (blank name, accepted texts) per blank."""
    lines: list[str] = []
    blanks: list[tuple[str, tuple[str, ...]]] = []
    for asked in question.blanks:
        for box in asked.boxes:
            name = f"b{len(blanks) + 1}"
            blanks.append((name, box.accepted))
            if box.kind == "choice":
                options = asked.choice.options if asked.choice is not None else ()
                hint = ("Type one of: " + ", ".join(o.text for o in options) + ".") if options else "Type the answer."
            else:
                hint = box.hint
            lines.append(f"<p><strong>{_html(asked.mark + box.label)}</strong>: [{name}] "
                         f"<small>{_html(hint)}</small></p>")
    return "".join(lines), blanks


def _html(value: str) -> str:
    return html.escape(value, quote=False)


def _material(pad: str, body: str, texttype: str) -> str:
    mattext = f'<mattext texttype="{texttype}">{body}</mattext>' if body else f'<mattext texttype="{texttype}" />'
    return f"{pad}<material>\n{pad}  {mattext}\n{pad}</material>\n"


def pool_item(item_ident: str, question: Question, figure_base: str) -> str:
    """The ``fill_in_multiple_blanks_question`` of one student's variant of a slot, worth the
    problem's points, at depth 4 (inside a group section)."""
    problem = question.problem
    lines, blanks = _blanks(question)
    body = text("<div>" + question.statement + question.figures_html(figure_base) + "\n" + lines + DIGITS_NOTE
                + reference(problem, question.paper) + "</div>")
    solution = question.blanks[0].feedback_mathml if len(question.blanks) == 1 else solution_pair(problem)[1]
    title = f"{paper_label(question.paper)} {problem.id}: {problem.title}"
    parts = [
        f'        <item ident="{item_ident}" title="{attribute(title)}">\n'
        "          <itemmetadata>\n            <qtimetadata>\n"
        "              <qtimetadatafield>\n                <fieldlabel>question_type</fieldlabel>\n"
        "                <fieldentry>fill_in_multiple_blanks_question</fieldentry>\n              </qtimetadatafield>\n"
        "              <qtimetadatafield>\n                <fieldlabel>points_possible</fieldlabel>\n"
        f"                <fieldentry>{points_text(problem.worth)}</fieldentry>\n              </qtimetadatafield>\n"
        "            </qtimetadata>\n          </itemmetadata>\n"
        f"          <presentation>\n{_material('            ', body, 'text/html')}"
    ]
    label_ids: list[str] = []
    for number, (name, accepted) in enumerate(blanks, 1):
        parts.append(f'            <response_lid ident="response_{name}">\n'
                     f"              <material>\n                <mattext>{name}</mattext>\n              </material>\n"
                     "              <render_choice>\n")
        ids = [str(number * 1000 + i) for i in range(1, len(accepted) + 1)]
        label_ids.append(ids[0])
        for label_id, value in zip(ids, accepted, strict=True):
            parts += [f'                <response_label ident="{label_id}">\n',
                      _material("                  ", text(value), "text/plain"), "                </response_label>\n"]
        parts.append("              </render_choice>\n            </response_lid>\n")
    parts.append(
        "          </presentation>\n          <resprocessing>\n            <outcomes>\n"
        '              <decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal" />\n'
        '            </outcomes>\n            <respcondition continue="Yes">\n'
        "              <conditionvar>\n                <other />\n              </conditionvar>\n"
        '              <displayfeedback feedbacktype="Response" linkrefid="general_fb" />\n'
        "            </respcondition>\n"
    )
    for (name, _), label_id, share in zip(blanks, label_ids, shares(len(blanks)), strict=True):
        parts.append(
            "            <respcondition>\n              <conditionvar>\n"
            f'                <varequal respident="response_{name}">{label_id}</varequal>\n              </conditionvar>\n'
            f'              <setvar action="Add" varname="SCORE">{share}</setvar>\n            </respcondition>\n'
        )
    parts += ["          </resprocessing>\n",
              '          <itemfeedback ident="general_fb">\n            <flow_mat>\n',
              _material("              ", text(solution), "text/html"),
              "            </flow_mat>\n          </itemfeedback>\n        </item>\n"]
    return "".join(parts)


def _group(number: int, title: str, points: float, items: list[str]) -> str:
    return (
        f'      <section ident="slot_{number}" title="{attribute(title)}">\n'
        "        <selection_ordering>\n          <selection>\n"
        "            <selection_number>1</selection_number>\n            <selection_extension>\n"
        f"              <points_per_item>{points_text(points)}</points_per_item>\n"
        "            </selection_extension>\n          </selection>\n        </selection_ordering>\n"
        + "".join(items) + "      </section>\n"
    )


def canvas_pool_zip(key: Key, papers: Iterable[PaperQuestions] | None = None) -> bytes:
    """The exam as Canvas question pools: a QTI 1.2 package with one assessment
    (``pools/pools.xml``, "<title> — pools") holding one question group per slot that draws one
    of the slot's variants, every student's variant a whole-problem
    ``fill_in_multiple_blanks_question``; the figures as ``webcontent`` under
    ``web_resources/figures/pools/<variant>/``; all listed in ``imsmanifest.xml``.

    Args:
        key: The exam's master key.
        papers: ``by_paper(key)``, when the caller has walked it already.

    Returns:
        The zip's bytes; the same key always gives the same bytes.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    files: dict[str, bytes] = {}
    groups: list[str] = []
    used: set[str] = set()
    for index, present in enumerate(by_slot(key, papers)):
        items = []
        for number, paper, question in present:
            variant = ident(f"v{number:03d}", paper.id)
            folder = f"figures/pools/{variant}/"
            item_ident = unique_ident(ident("pool", variant, question.problem.id), used)
            items.append(pool_item(item_ident, question, FILEBASE + folder))
            files.update((f"web_resources/{folder}{f.name}.svg", f.document.encode()) for f in question.figures)
        groups.append(_group(index + 1, slot_title(index + 1, present[0][2]), present[0][2].problem.worth, items))
    files[POOL_HREF] = document("pools", key.title + " — pools", groups)
    web = sorted(name for name in files if name.startswith("web_resources/"))
    files["imsmanifest.xml"] = manifest(exam_seed(key), [("pools", POOL_HREF)], web)
    return zip_bytes(files)
