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
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

from generator.exports.content import (
    Box,
    Exam,
    MultipleChoice,
    Student,
    blank_feedback_html,
    box_html,
    boxes,
    choice_html,
    multiple_choice,
    problem_html,
    read_master,
    xml_text,
)

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_UNSAFE_IDENT = re.compile(r"[^A-Za-z0-9_.-]+")


def ident(*parts: str) -> str:
    """An XML-safe identifier from readable parts.

    >>> ident("v001", "s 01", "q1.l0_shape", "0")
    'v001_s_01_q1.l0_shape_0'
    """
    return "_".join(_UNSAFE_IDENT.sub("_", part) for part in parts)


def _unique(candidate: str, used: set[str]) -> str:
    name, n = candidate, 2
    while name in used:
        name, n = f"{candidate}-{n}", n + 1
    used.add(name)
    return name


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


def _mattext(parent: ET.Element, text: str, texttype: str = "text/html") -> None:
    _sub(_sub(parent, "material"), "mattext", text, texttype=texttype)


def _item(section: ET.Element, item_ident: str, title: str, qtype: str, text: str) -> tuple[ET.Element, ET.Element]:
    item = _sub(section, "item", ident=item_ident, title=xml_text(title))
    meta = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", qtype), ("points_possible", "1.0")):
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)
    presentation = _sub(item, "presentation")
    _mattext(presentation, f"<div>{text}</div>")
    return item, presentation


def _resprocessing(item: ET.Element) -> ET.Element:
    processing = _sub(item, "resprocessing")
    _sub(_sub(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    general = _sub(processing, "respcondition", **{"continue": "Yes"})
    _sub(_sub(general, "conditionvar"), "other")
    _sub(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    return processing


def _feedback(item: ET.Element, feedback_ident: str, text: str) -> None:
    _mattext(_sub(_sub(item, "itemfeedback", ident=feedback_ident), "flow_mat"), text)


def numerical_item(section: ET.Element, item_ident: str, box: Box, text: str, solution: str) -> ET.Element:
    """Appends a ``numerical_question`` for ``box`` (kind ``int``) to ``section``."""
    item, presentation = _item(section, item_ident, box.key, "numerical_question", text)
    response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
    _sub(_sub(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    processing = _resprocessing(item)
    for value in box.accepted:
        condition = _sub(processing, "respcondition", **{"continue": "No"})
        either = _sub(_sub(condition, "conditionvar"), "or")
        _sub(either, "varequal", value, respident="response1")
        within = _sub(either, "and")
        _sub(within, "vargte", value, respident="response1")
        _sub(within, "varlte", value, respident="response1")
        _sub(condition, "setvar", "100", action="Set", varname="SCORE")
    _feedback(item, "general_fb", solution)
    return item


def choice_item(section: ET.Element, item_ident: str, mc: MultipleChoice, text: str, solution: str) -> ET.Element:
    """Appends a ``multiple_choice_question`` for ``mc`` to ``section``; option idents are
    numbers (``1001`` ...), as Canvas' own."""
    item, presentation = _item(section, item_ident, mc.qid, "multiple_choice_question", text)
    response = _sub(presentation, "response_lid", ident="response1", rcardinality="Single")
    choices = _sub(response, "render_choice")
    answer_ids = [str(1001 + i) for i in range(len(mc.options))]
    for answer_id, option in zip(answer_ids, mc.options, strict=True):
        _mattext(_sub(choices, "response_label", ident=answer_id), option.text, "text/plain")
    processing = _resprocessing(item)
    for answer_id in answer_ids:
        condition = _sub(processing, "respcondition", **{"continue": "Yes"})
        _sub(_sub(condition, "conditionvar"), "varequal", answer_id, respident="response1")
        _sub(condition, "displayfeedback", feedbacktype="Response", linkrefid=f"{answer_id}_fb")
    right = answer_ids[mc.options.index(mc.right)]
    condition = _sub(processing, "respcondition", **{"continue": "No"})
    _sub(_sub(condition, "conditionvar"), "varequal", right, respident="response1")
    _sub(condition, "setvar", "100", action="Set", varname="SCORE")
    _feedback(item, "general_fb", solution)
    for answer_id, option in zip(answer_ids, mc.options, strict=True):
        _feedback(item, f"{answer_id}_fb", option.feedback)
    return item


def _document(assessment_ident: str, title: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("questestinterop", {
        "xmlns": QTI_NS, "xmlns:xsi": _XSI,
        "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd",
    })
    assessment = _sub(root, "assessment", ident=assessment_ident, title=xml_text(title))
    field = _sub(_sub(assessment, "qtimetadata"), "qtimetadatafield")
    _sub(field, "fieldlabel", "cc_maxattempts")
    _sub(field, "fieldentry", "1")
    return root, _sub(assessment, "section", ident="root_section")


def _typed_assessment(exam: Exam, student: Student, prefix: str) -> ET.Element:
    root, section = _document(prefix, f"{exam.title} — {student.label}")
    salt, used = f"{exam.seed}\x00{student.id}", set()
    for problem in student.problems:
        statement = problem_html(problem)
        for blank in problem["blanks"]:
            mc, solution = multiple_choice(problem, blank, salt), blank_feedback_html(problem, blank)
            for box in boxes(problem, blank):
                axis = () if box.axis is None else (str(box.axis),)
                item_ident = _unique(ident(prefix, problem["id"], blank["id"], *axis), used)
                if box.kind == "choice" and mc is not None:
                    choice_item(section, item_ident, mc, statement + "\n" + choice_html(mc), solution)
                else:
                    numerical_item(section, item_ident, box, statement + "\n" + box_html(box), solution)
    return root


def _choice_assessment(exam: Exam, student: Student, prefix: str) -> ET.Element:
    root, section = _document(prefix, f"{exam.title} — {student.label} (multiple choice)")
    used: set[str] = set()
    for problem in student.problems:
        statement = problem_html(problem)
        for blank in problem["blanks"]:
            mc = multiple_choice(problem, blank, f"{exam.seed}\x00{student.id}")
            if mc is not None:
                choice_item(section, _unique(ident(prefix, problem["id"], blank["id"]), used), mc,
                            statement + "\n" + choice_html(mc), blank_feedback_html(problem, blank))
    return root


def _manifest(exam: Exam, hrefs: list[tuple[str, str]]) -> ET.Element:
    root = ET.Element("manifest", {
        "identifier": ident("cnn_worksheets", str(exam.seed)), "xmlns": CP_NS, "xmlns:xsi": _XSI,
        "xsi:schemaLocation": f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd",
    })
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for resource_ident, href in hrefs:
        resource = _sub(resources, "resource", identifier=resource_ident, type="imsqti_xmlv1p2", href=href)
        _sub(resource, "file", href=href)
    return root


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    # Serializing to str and encoding once is several times faster than encoding="utf-8",
    # which pushes every fragment through a codec.
    text = ET.tostring(root, encoding="unicode")
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + text.encode("utf-8") + b"\n"


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


def qti_zip(master: dict[str, Any]) -> bytes:
    """The exam as a Canvas QTI 1.2 package: two assessments per student (typed answers, and
    multiple choice), listed in ``imsmanifest.xml``.

    Args:
        master: The master key (see :func:`generator.exports.content.read_master`).

    Returns:
        The zip's bytes; the same key always gives the same bytes.

    Raises:
        UserError: when the master key is not valid.
    """
    exam = read_master(master)
    files: dict[str, bytes] = {}
    hrefs: list[tuple[str, str]] = []
    for number, student in enumerate(exam.students, 1):
        base = ident(f"v{number:03d}", student.id)
        for assessment_ident, root in ((base, _typed_assessment(exam, student, base)),
                                       (f"{base}_mc", _choice_assessment(exam, student, f"{base}_mc"))):
            href = f"{assessment_ident}/{assessment_ident}.xml"
            files[href] = _xml_bytes(root)
            hrefs.append((assessment_ident, href))
    files["imsmanifest.xml"] = _xml_bytes(_manifest(exam, hrefs))
    return zip_bytes(files)
