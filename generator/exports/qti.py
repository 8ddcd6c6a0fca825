"""QTI 1.2 for Canvas: a zip of ``imsmanifest.xml`` and one assessment per student and version.

Canvas turns each assessment into a quiz, which a teacher assigns to its student. Per student:

* ``<variant> <id>`` (typed answers): one item per box (see :mod:`generator.exports.content`),
  because Canvas' cloze (``multiple_dropdowns_question``) only has choice parts. A number box is a
  ``numerical_question``: ``<response_str>`` + ``<render_fib fibtype="Decimal">`` and one
  ``<respcondition>`` per right answer, ``<or><varequal>26</varequal><and><vargte>26</vargte>
  <varlte>26</varlte></and></or>`` setting ``SCORE`` to 100 (an exact answer with margin 0). This
  is how Canvas itself exports numerical questions (``lib/cc/qti/qti_items.rb``), and the shape
  its importer reads back every right answer from; with ``<response_num>`` the importer keeps
  only the first. A shape is one numerical item per axis ("... : height", "... : width" ...). A
  ``choice`` blank is a ``multiple_choice_question``.
* ``<variant> <id> (multiple choice)``: a ``multiple_choice_question`` per blank with its
  distractors; each option's feedback (the mistake) is an ``<itemfeedback>`` shown by a
  ``<displayfeedback>``, as Canvas exports answer comments.

Every item is worth one point and shows the worked solution as general feedback. Items are named
by grading id (``q1.l0_shape[0]`` for an axis), which Canvas shows to teachers only; idents are
readable and unique in the package. Entries have a fixed date, so the zip is byte-identical for
the same key.

The XML is written as text, laid out exactly as ``ElementTree.indent`` and ``tostring`` would lay
out the same elements (two-space indentation, ``<tag />`` for an empty element, attributes in
the order given); building and serializing an element tree took most of a large class's export.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from generator.exports.content import (
    Box,
    MultipleChoice,
    PaperQuestions,
    Question,
    box_html,
    by_paper,
    choice_html,
    exam_seed,
    paper_label,
    xml_text,
)
from generator.key import Key

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_UNSAFE_IDENT = re.compile(r"[^A-Za-z0-9_.-]+")
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"


def ident(*parts: str) -> str:
    """An XML-safe identifier from readable parts.

    >>> ident("v001", "s 01", "q1.l0_shape", "0")
    'v001_s_01_q1.l0_shape_0'
    """
    return "_".join(_UNSAFE_IDENT.sub("_", part) for part in parts)


def unique_ident(candidate: str, used: set[str]) -> str:
    name, n = candidate, 2
    while name in used:
        name, n = f"{candidate}-{n}", n + 1
    used.add(name)
    return name


def text(value: str) -> str:
    """Element text: without the characters XML cannot hold, ``& < >`` escaped.

    >>> text("<p>a & b</p>\\x00")
    '&lt;p&gt;a &amp; b&lt;/p&gt;'
    """
    return escape(xml_text(value))


def attribute(value: str) -> str:
    """An attribute value (inside double quotes): without the characters XML cannot hold,
    ``& < > "`` escaped, tabs and line breaks as character references (as ElementTree writes them).

    >>> attribute('a "b"\\n<c>')
    'a &quot;b&quot;&#10;&lt;c&gt;'
    """
    return escape(xml_text(value), _ATTRIBUTE_ENTITIES)


def _mattext(indent: str, body: str, texttype: str = "text/html") -> str:
    """A ``<material>`` holding ``body`` (already :func:`text`), at ``indent``."""
    mattext = (f'<mattext texttype="{texttype}">{body}</mattext>' if body
               else f'<mattext texttype="{texttype}" />')
    return f"{indent}<material>\n{indent}  {mattext}\n{indent}</material>\n"


def _feedback(feedback_ident: str, body: str) -> str:
    return (f'        <itemfeedback ident="{feedback_ident}">\n          <flow_mat>\n'
            f"{_mattext('            ', body)}          </flow_mat>\n        </itemfeedback>\n")


def _item_head(item_ident: str, title: str, qtype: str, body: str, points: float = 1.0) -> str:
    """An item's opening, metadata and statement, up to its response (an item is at depth 3)."""
    return (
        f'      <item ident="{item_ident}" title="{attribute(title)}">\n'
        "        <itemmetadata>\n          <qtimetadata>\n"
        "            <qtimetadatafield>\n              <fieldlabel>question_type</fieldlabel>\n"
        f"              <fieldentry>{qtype}</fieldentry>\n            </qtimetadatafield>\n"
        "            <qtimetadatafield>\n              <fieldlabel>points_possible</fieldlabel>\n"
        f"              <fieldentry>{points_text(points)}</fieldentry>\n            </qtimetadatafield>\n"
        "          </qtimetadata>\n        </itemmetadata>\n"
        f"        <presentation>\n{_mattext('          ', body)}"
    )


_RESPROCESSING = (
    "        <resprocessing>\n          <outcomes>\n"
    '            <decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal" />\n'
    '          </outcomes>\n          <respcondition continue="Yes">\n'
    "            <conditionvar>\n              <other />\n            </conditionvar>\n"
    '            <displayfeedback feedbacktype="Response" linkrefid="general_fb" />\n'
    "          </respcondition>\n"
)

_NUMERICAL_RESPONSE = (
    '          <response_str ident="response1" rcardinality="Single">\n'
    '            <render_fib fibtype="Decimal">\n              <response_label ident="answer1" />\n'
    "            </render_fib>\n          </response_str>\n        </presentation>\n"
)


def points_text(points: float) -> str:
    """Canvas' ``points_possible``: ``1.0``, ``0.3333``.

    >>> points_text(1), points_text(1 / 3)
    ('1.0', '0.3333')
    """
    return f"{round(points, 4)!r}" if not float(points).is_integer() else f"{float(points)}"


def numerical_item(item_ident: str, box: Box, body: str, solution: str, points: float = 1.0) -> str:
    """A ``numerical_question`` for ``box`` (kind ``int``) worth ``points``; ``body`` is the
    statement and ``solution`` the general feedback, both HTML already :func:`text`."""
    parts = [_item_head(item_ident, box.key, "numerical_question", body, points), _NUMERICAL_RESPONSE, _RESPROCESSING]
    for value in box.accepted:
        value = text(value)
        parts.append(
            '          <respcondition continue="No">\n            <conditionvar>\n              <or>\n'
            f'                <varequal respident="response1">{value}</varequal>\n                <and>\n'
            f'                  <vargte respident="response1">{value}</vargte>\n'
            f'                  <varlte respident="response1">{value}</varlte>\n'
            "                </and>\n              </or>\n            </conditionvar>\n"
            '            <setvar action="Set" varname="SCORE">100</setvar>\n          </respcondition>\n'
        )
    parts += ["        </resprocessing>\n", _feedback("general_fb", solution), "      </item>\n"]
    return "".join(parts)


def choice_item(item_ident: str, mc: MultipleChoice, body: str, solution: str, points: float = 1.0) -> str:
    """A ``multiple_choice_question`` for ``mc`` worth ``points``; option idents are numbers
    (``1001`` ...), as Canvas' own. ``body`` and ``solution`` as for :func:`numerical_item`."""
    answer_ids = [str(1001 + i) for i in range(len(mc.options))]
    parts = [_item_head(item_ident, mc.qid, "multiple_choice_question", body, points),
             '          <response_lid ident="response1" rcardinality="Single">\n            <render_choice>\n']
    for answer_id, option in zip(answer_ids, mc.options, strict=True):
        parts += [f'              <response_label ident="{answer_id}">\n',
                  _mattext("                ", text(option.text), "text/plain"), "              </response_label>\n"]
    parts += ["            </render_choice>\n          </response_lid>\n        </presentation>\n", _RESPROCESSING]
    for answer_id in answer_ids:
        parts.append(
            '          <respcondition continue="Yes">\n            <conditionvar>\n'
            f'              <varequal respident="response1">{answer_id}</varequal>\n            </conditionvar>\n'
            f'            <displayfeedback feedbacktype="Response" linkrefid="{answer_id}_fb" />\n'
            "          </respcondition>\n"
        )
    right = answer_ids[mc.options.index(mc.right)]
    parts += [
        '          <respcondition continue="No">\n            <conditionvar>\n'
        f'              <varequal respident="response1">{right}</varequal>\n            </conditionvar>\n'
        '            <setvar action="Set" varname="SCORE">100</setvar>\n          </respcondition>\n'
        "        </resprocessing>\n",
        _feedback("general_fb", solution),
    ]
    for answer_id, option in zip(answer_ids, mc.options, strict=True):
        parts.append(_feedback(f"{answer_id}_fb", text(option.feedback)))
    parts.append("      </item>\n")
    return "".join(parts)


def document(assessment_ident: str, title: str, items: list[str]) -> bytes:
    """An assessment file holding ``items`` (each from :func:`numerical_item` or :func:`choice_item`,
    or whole question groups) in its root section."""
    section = ('    <section ident="root_section">\n' + "".join(items) + "    </section>\n" if items
               else '    <section ident="root_section" />\n')
    return (
        f"{DECLARATION}\n"
        f'<questestinterop xmlns="{QTI_NS}" xmlns:xsi="{XSI}" '
        f'xsi:schemaLocation="{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">\n'
        f'  <assessment ident="{assessment_ident}" title="{attribute(title)}">\n'
        "    <qtimetadata>\n      <qtimetadatafield>\n        <fieldlabel>cc_maxattempts</fieldlabel>\n"
        "        <fieldentry>1</fieldentry>\n      </qtimetadatafield>\n    </qtimetadata>\n"
        f"{section}  </assessment>\n</questestinterop>\n"
    ).encode()


FILEBASE = "$IMS-CC-FILEBASE$/"
"""How Canvas links a file of the package's ``web_resources/`` folder (as its own exports do)."""


def figure_folder(prefix: str) -> str:
    """Where an assessment's figures are, below ``web_resources/``."""
    return f"figures/{prefix}/"


def _statement(prefix: str, question: Question) -> str:
    """The problem statement and its figures, escaped for ``<mattext>``, inside an open ``<div>``."""
    return "&lt;div&gt;" + text(question.statement + question.figures_html(FILEBASE + figure_folder(prefix)) + "\n")


def _typed_items(prefix: str, asked: tuple[Question, ...]) -> list[str]:
    items: list[str] = []
    used: set[str] = set()
    for question in asked:
        statement = _statement(prefix, question)
        for blank in question.blanks:
            mc, solution = blank.choice, text(blank.feedback_mathml)
            points = question.problem.blank_points / len(blank.boxes)  # a shape's axes share its points
            for box in blank.boxes:
                axis = () if box.axis is None else (str(box.axis),)
                item_ident = unique_ident(ident(prefix, question.problem.id, blank.blank.id, *axis), used)
                if box.kind == "choice" and mc is not None:
                    items.append(choice_item(item_ident, mc, statement + text(choice_html(mc, blank.mark)) + "&lt;/div&gt;",
                                             solution, points))
                else:
                    items.append(numerical_item(item_ident, box, statement + text(box_html(box, blank.mark)) + "&lt;/div&gt;",
                                                solution, points))
    return items


def _choice_items(prefix: str, asked: tuple[Question, ...]) -> list[str]:
    items: list[str] = []
    used: set[str] = set()
    for question in asked:
        statement = _statement(prefix, question)
        for blank in question.blanks:
            mc = blank.choice
            if mc is not None:
                item_ident = unique_ident(ident(prefix, question.problem.id, blank.blank.id), used)
                items.append(choice_item(item_ident, mc, statement + text(choice_html(mc, blank.mark)) + "&lt;/div&gt;",
                                         text(blank.feedback_mathml), question.problem.blank_points))
    return items


def _figure_files(prefix: str, asked: tuple[Question, ...]) -> dict[str, bytes]:
    """The figures an assessment links, by their path in the package."""
    folder = "web_resources/" + figure_folder(prefix)
    return {f"{folder}{f.name}.svg": f.document.encode() for question in asked for f in question.figures}


def manifest(seed: int, hrefs: list[tuple[str, str]], web: list[str]) -> bytes:
    resources = "".join(
        f'    <resource identifier="{resource_ident}" type="imsqti_xmlv1p2" href="{href}">\n'
        f'      <file href="{href}" />\n    </resource>\n'
        for resource_ident, href in hrefs
    ) + "".join(
        f'    <resource identifier="{ident("file", href)}" type="webcontent" href="{attribute(href)}">\n'
        f'      <file href="{attribute(href)}" />\n    </resource>\n'
        for href in web
    )
    return (
        f"{DECLARATION}\n"
        f'<manifest identifier="{ident("cnn_worksheets", str(seed))}" xmlns="{CP_NS}" xmlns:xsi="{XSI}" '
        f'xsi:schemaLocation="{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd">\n'
        "  <metadata>\n    <schema>IMS Content</schema>\n    <schemaversion>1.1.3</schemaversion>\n"
        f"  </metadata>\n  <organizations />\n  <resources>\n{resources}  </resources>\n</manifest>\n"
    ).encode()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` (name -> bytes) that depends only on them: sorted entries, each dated
    1980-01-01 and marked as a Unix file with mode 644."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def qti_zip(key: Key, papers: Iterable[PaperQuestions] | None = None) -> bytes:
    """The exam as a Canvas QTI 1.2 package: two assessments per student (typed answers, and
    multiple choice), listed in ``imsmanifest.xml``, and the figures their questions show, as
    ``webcontent`` resources under ``web_resources/figures/<assessment>/`` (linked as
    ``$IMS-CC-FILEBASE$/...``, as Canvas' own exports link files).

    Args:
        key: The exam's master key.
        papers: ``by_paper(key)``, when the caller has walked the key already
            (:func:`~generator.exports.write_exports` walks it once for every format).

    Returns:
        The zip's bytes; the same key always gives the same bytes.

    Raises:
        UserError: when ``key`` is not an exam master key.
    """
    files: dict[str, bytes] = {}
    hrefs: list[tuple[str, str]] = []
    web: list[str] = []
    for number, (paper, asked) in enumerate(by_paper(key) if papers is None else papers, 1):
        base, label = ident(f"v{number:03d}", paper.id), paper_label(paper)
        with_choice = tuple(q for q in asked if any(b.choice is not None for b in q.blanks))
        for assessment_ident, title, items, shown in (
            (base, f"{key.title} — {label}", _typed_items(base, asked), asked),
            (f"{base}_mc", f"{key.title} — {label} (multiple choice)", _choice_items(f"{base}_mc", asked), with_choice),
        ):
            href = f"{assessment_ident}/{assessment_ident}.xml"
            files[href] = document(assessment_ident, title, items)
            hrefs.append((assessment_ident, href))
            figures = _figure_files(assessment_ident, shown)
            files.update(figures)
            web.extend(figures)
    files["imsmanifest.xml"] = manifest(exam_seed(key), hrefs, web)
    return zip_bytes(files)
