"""The Canvas QTI 1.2 export of the covering master key, read back as Canvas exports its items
and compared with the key."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from generator.answers import display
from generator.exports.qti import CP_NS, QTI_NS
from generator.key import Key
from generator.render import markdown_to_html
from lms_readers import (
    QTI,
    choice_qids,
    expected_boxes,
    find_blank,
    label,
    mistake_of,
    qti_assessments,
)


def _metadata(item: ET.Element) -> dict[str, str]:
    return {
        f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
        for f in item.iter(f"{QTI}qtimetadatafield")
    }


def test_qti_package_and_numerical_items(master: Key, qti: bytes) -> None:
    assessments = list(qti_assessments(qti).values())
    assert len(assessments) == 2 * len(master.papers)
    for index, student in enumerate(master.papers):
        typed, choices = assessments[2 * index], assessments[2 * index + 1]
        assert typed.find(f"{QTI}assessment").get("title").endswith(label(student))
        assert choices.find(f"{QTI}assessment").get("title").endswith("(multiple choice)")
        expected = {k: v for p in student.problems for k, v in expected_boxes(p).items()}
        items = typed.findall(f".//{QTI}item")
        assert [i.get("title") for i in items] == list(expected)
        for item in items:
            key = item.get("title")
            _, blank = find_blank(master, index, key.split("[")[0])
            qtype = _metadata(item)["question_type"]
            if blank.kind == "choice":
                assert qtype == "multiple_choice_question"
                continue
            assert qtype == "numerical_question"
            response = item.find(f".//{QTI}response_str")
            assert response is not None and response.get("rcardinality") == "Single"
            assert response.find(f"{QTI}render_fib").get("fibtype") == "Decimal"
            scoring = [c for c in item.iter(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None]
            assert all(c.findtext(f"{QTI}setvar") == "100" and c.get("continue") == "No" for c in scoring)
            values = [c.findtext(f".//{QTI}varequal") for c in scoring]
            assert set(values) == expected[key] and len(values) == len(expected[key])
            for c in scoring:
                value = c.findtext(f".//{QTI}varequal")
                assert c.findtext(f".//{QTI}vargte") == value == c.findtext(f".//{QTI}varlte")


def test_qti_multiple_choice_items(master: Key, qti: bytes) -> None:
    assessments = list(qti_assessments(qti).values())
    for index, student in enumerate(master.papers):
        items = assessments[2 * index + 1].findall(f".//{QTI}item")
        assert [i.get("title") for i in items] == choice_qids(master, student)
        for item in items:
            assert _metadata(item)["question_type"] == "multiple_choice_question"
            _, blank = find_blank(master, index, item.get("title"))
            labels = {
                option.get("ident"): option.findtext(f".//{QTI}mattext")
                for option in item.iter(f"{QTI}response_label")
            }
            scoring = [c for c in item.iter(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None]
            assert len(scoring) == 1
            right = scoring[0].findtext(f".//{QTI}varequal")
            assert labels[right] == display(blank.answer, blank.kind)
            feedback = {f.get("ident"): f.findtext(f".//{QTI}mattext") for f in item.iter(f"{QTI}itemfeedback")}
            for ident, text in labels.items():
                if ident != right:
                    assert text != labels[right]
                    assert mistake_of(blank, text) in feedback[f"{ident}_fb"]


def test_qti_texts_are_escaped_html(master: Key, qti: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(qti)) as archive:
        raw = b"".join(archive.read(name) for name in archive.namelist())
    assert b"<Tester>" not in raw and b"<p>" not in raw
    first = next(iter(qti_assessments(qti).values()))
    text = first.find(f".//{QTI}mattext").text
    assert markdown_to_html(master.papers[0].problems[0].prompt) in text


def _as_elementtree_writes(data: bytes) -> bytes:
    """A QTI file re-serialized as ElementTree writes a tree whose namespace declarations are
    plain attributes (``ET.indent`` then ``tostring``): what the exporter wrote before it wrote text."""
    root = ET.fromstring(data)
    namespace, xsi = root.tag[1:].split("}")[0], "http://www.w3.org/2001/XMLSchema-instance"
    for element in root.iter():
        element.tag = element.tag.removeprefix("{" + namespace + "}")
    attributes = {"xmlns": namespace, "xmlns:xsi": xsi, "xsi:schemaLocation": root.attrib.pop("{" + xsi + "}schemaLocation")}
    root.attrib.update({**{k: v for k, v in root.attrib.items() if k == "identifier"}, **attributes})
    ET.indent(root)
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding="unicode").encode() + b"\n"


def test_qti_files_are_laid_out_as_elementtree_writes_them(qti: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(qti)) as archive:
        for name in archive.namelist():
            if name.startswith("web_resources/"):  # the figures: SVG, checked by lms_readers
                continue
            data = archive.read(name)
            assert ET.fromstring(data).tag.startswith("{" + (CP_NS if name == "imsmanifest.xml" else QTI_NS) + "}")
            assert _as_elementtree_writes(data) == data, name
