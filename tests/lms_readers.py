"""How each LMS reads an export, and what the key says it should find: shared by the
``test_exports*`` files.

Moodle XML is read by element name as Moodle's ``question/format/xml/format.php`` reads it,
GIFT with the escaping rules of ``question/format/gift/format.php``, QTI items as Canvas exports
them. The expectations are read from the key's computed blanks, never typed here.
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass

from generator.answers import display
from generator.key import Blank, Key, Paper, Problem

# ---------------------------------------------------------------- what the key expects


def label(paper: Paper) -> str:
    """How the exports name a student's paper: ``{variant} {id}``."""
    return f"{paper.variant} {paper.id}"


def expected_boxes(problem: Problem) -> dict[str, set[str]]:
    """Box key -> right answers, from the key alone: a shape is one exact number per axis."""
    out: dict[str, set[str]] = {}
    for blank in problem.blanks:
        qid = f"{problem.id}.{blank.id}"
        if blank.kind == "shape":
            assert blank.accepted == (blank.answer,)
            for axis, value in enumerate(blank.answer.split("x")):
                out[f"{qid}[{axis}]"] = {value}
        else:
            out[qid] = set(blank.accepted)
    return out


def find_blank(key: Key, paper_index: int, qid: str) -> tuple[Problem, Blank]:
    """The problem and blank question id ``qid`` names on paper ``paper_index``."""
    pid, bid = qid.split(".", 1)
    problem = next(p for p in key.papers[paper_index].problems if p.id == pid)
    return problem, next(b for b in problem.blanks if b.id == bid)


def mistake_of(blank: Blank, shown: str) -> str:
    """The mistake behind the distractor shown as ``shown``."""
    return next(d.mistake for d in blank.distractors if display(d.answer, blank.kind) == shown)


# ---------------------------------------------------------------- Moodle XML


def moodle_questions(data: bytes) -> list[ET.Element]:
    """The ``<question>`` elements of a Moodle XML quiz, categories included."""
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    return list(root)


def moodle_text(question: ET.Element, path: str) -> str:
    """The text at ``path``, which must exist."""
    node = question.find(path)
    assert node is not None, f"missing {path}"
    return node.text or ""


def moodle_categories(data: bytes) -> dict[str, list[ET.Element]]:
    """Category path -> the questions that follow it, as Moodle's importer files them (every
    question goes into the category of the last ``<question type="category">`` before it)."""
    out: dict[str, list[ET.Element]] = {}
    current = None
    for question in moodle_questions(data):
        if question.get("type") == "category":
            current = moodle_text(question, "category/text")
            assert current not in out, f"category {current} twice"
            out[current] = []
        else:
            assert current is not None, "a question before any category"
            out[current].append(question)
    return out


# ---------------------------------------------------------------- GIFT

_GIFT_ESCAPES = {"\\:": ":", "\\#": "#", "\\=": "=", "\\{": "{", "\\}": "}", "\\~": "~", "\\n": "\n"}


def gift_pre(text: str) -> str:
    """Escaped characters -> placeholders, as Moodle's ``escapedchar_pre``."""
    text = text.replace("\\\\", "\x00092;")
    for i, escaped in enumerate(_GIFT_ESCAPES):
        text = text.replace(escaped, f"\x00{i};")
    return text.replace("\x00092;", "\\")


def _gift_post(text: str) -> str:
    for i, char in enumerate(_GIFT_ESCAPES.values()):
        text = text.replace(f"\x00{i};", char)
    return text


@dataclass
class GiftQuestion:
    category: str
    name: str
    text: str
    answers: str
    feedback: str


def parse_gift(text: str) -> list[GiftQuestion]:
    """Blocks split on blank lines, comment lines dropped, name / text / answers / general
    feedback split on unescaped delimiters, as Moodle's ``readquestion``."""
    questions, category = [], ""
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in block.split("\n") if not line.strip().startswith("//")]
        body = gift_pre("\n".join(lines).strip())
        if not body:
            continue
        if body.startswith("$CATEGORY:"):
            category = body[len("$CATEGORY:"):].strip()
            continue
        assert body.startswith("::"), body[:80]
        end = body.index("::", 2)
        name, rest = body[2:end], body[end + 2:].strip()
        start, finish = rest.index("{"), rest.index("}")
        assert finish == len(rest) - 1, "one answer section, at the end"
        answers, separator, feedback = rest[start + 1:finish].rpartition("####")
        assert separator
        questions.append(GiftQuestion(category, _gift_post(name), _gift_post(rest[:start]), answers.strip(),
                                      _gift_post(feedback)))
    return questions


def gift_options(answers: str) -> list[tuple[bool, str, str]]:
    """(right?, option text, feedback) of a multiple-choice answer section."""
    options = []
    for part in answers.replace("=", "~=").split("~"):
        if part.strip():
            text, _, feedback = part.strip().partition("#")
            options.append((text.startswith("="), html.unescape(_gift_post(text.lstrip("=").strip())),
                            html.unescape(_gift_post(feedback.strip()))))
    return options


# ---------------------------------------------------------------- Canvas QTI

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
_CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def qti_assessments(data: bytes) -> dict[str, ET.Element]:
    """File name -> assessment of a QTI package, in manifest order (the manifest checked to list
    every file, and only those)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        resources = manifest.findall(f"{_CP}resources/{_CP}resource")
        everything = [r.get("href") for r in resources]
        assert {r.get("type") for r in resources} <= {"imsqti_xmlv1p2", "webcontent"}
        assert [r.find(f"{_CP}file").get("href") for r in resources] == everything
        assert sorted(everything) == sorted(n for n in names if n != "imsmanifest.xml")
        hrefs = [r.get("href") for r in resources if r.get("type") == "imsqti_xmlv1p2"]
        web = {r.get("href") for r in resources if r.get("type") == "webcontent"}
        assessments = {href: ET.fromstring(archive.read(href)) for href in hrefs}
        # Every file a question links is in the package (Canvas: $IMS-CC-FILEBASE$ is web_resources/),
        # and every file in it is linked.
        linked = {f"web_resources/{m}" for href in hrefs
                  for m in re.findall(r'\$IMS-CC-FILEBASE\$/([^"&]+)', archive.read(href).decode())}
        assert linked == web and all(n.startswith("web_resources/") and n.endswith(".svg") for n in web)
        for name in web:
            assert ET.fromstring(archive.read(name)).get("role") == "img"
        return assessments


def choice_qids(key: Key, paper: Paper) -> list[str]:
    """The question ids of ``paper`` that have a multiple-choice version (a blank whose
    misconceptions lie on both sides of its answer, or a choice), in paper order."""
    from generator.exports.content import multiple_choice, variant_salt

    salt = variant_salt(key.seed, paper.id)
    return [qid for qid, problem, blank in paper.questions() if multiple_choice(problem, blank, salt) is not None]


@dataclass
class PoolGroup:
    """A Canvas question group as ``assessment_test_converter.rb`` reads it: title, how many
    items it draws, the points of each, and its items."""

    title: str
    pick: int
    points: float
    items: list[ET.Element]


def qti_pool_groups(data: bytes) -> list[PoolGroup]:
    """The question groups of a pool package (one assessment, its root section holding only
    groups), the package checked as :func:`qti_assessments` checks it."""
    (assessment,) = qti_assessments(data).values()
    (root,) = assessment.findall(f"{QTI}assessment/{QTI}section")
    groups = []
    for section in root:
        assert section.tag == f"{QTI}section"
        selection = section.find(f"{QTI}selection_ordering/{QTI}selection")
        assert selection is not None
        groups.append(PoolGroup(section.get("title") or "", int(selection.findtext(f"{QTI}selection_number") or 0),
                                float(selection.findtext(f"{QTI}selection_extension/{QTI}points_per_item") or 0),
                                section.findall(f"{QTI}item")))
    return groups


def qti_field(item: ET.Element, label: str) -> str:
    """An item's ``qtimetadatafield`` entry."""
    for field in item.iter(f"{QTI}qtimetadatafield"):
        if field.findtext(f"{QTI}fieldlabel") == label:
            return field.findtext(f"{QTI}fieldentry") or ""
    raise AssertionError(f"no {label}")


def fimb_blanks(item: ET.Element) -> dict[str, tuple[set[str], float]]:
    """Blank name -> (accepted texts, share of SCORE its right answer adds) of a
    ``fill_in_multiple_blanks_question``, as Canvas' importer reads it (every choice of
    ``response_<blank>`` is right), each blank checked to be named ``[<blank>]`` in the text
    and scored on one of its own labels."""
    assert qti_field(item, "question_type") == "fill_in_multiple_blanks_question"
    body = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext") or ""
    out: dict[str, tuple[set[str], float]] = {}
    labels: dict[str, str] = {}
    for lid in item.findall(f"{QTI}presentation/{QTI}response_lid"):
        name = (lid.get("ident") or "").removeprefix("response_")
        assert lid.findtext(f"{QTI}material/{QTI}mattext") == name and f"[{name}]" in body
        choices = lid.findall(f"{QTI}render_choice/{QTI}response_label")
        out[name] = ({c.findtext(f"{QTI}material/{QTI}mattext") or "" for c in choices}, 0.0)
        labels.update((c.get("ident") or "", name) for c in choices)
    assert len(labels) == sum(len(v[0]) for v in out.values()), "label idents unique in the item"
    for condition in item.findall(f"{QTI}resprocessing/{QTI}respcondition"):
        setvar = condition.find(f"{QTI}setvar")
        if setvar is None:
            continue
        varequal = condition.find(f"{QTI}conditionvar/{QTI}varequal")
        assert setvar.get("action") == "Add" and varequal is not None
        name = (varequal.get("respident") or "").removeprefix("response_")
        assert labels[varequal.text or ""] == name and out[name][1] == 0.0
        out[name] = (out[name][0], float(setvar.text or 0))
    return out
