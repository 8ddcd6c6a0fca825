"""LMS exports (Moodle XML, GIFT, Canvas QTI 1.2) of an exam master key.

The master key (a typed :class:`~generator.key.Key`) is built from generated problems; every
expected answer is read from the key's computed blanks, never typed here. Each export is parsed back the way its LMS reads it (element
names as Moodle's ``question/format/xml/format.php`` reads them, GIFT with the escaping rules of
``question/format/gift/format.php``, QTI items as Canvas exports them) and compared with the key.
"""

from __future__ import annotations

import html
import io
import json
import random
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from generator.answers import display
from generator.errors import UserError
from generator.exports import FILENAMES, ExportFormat, gift, moodle_xml, qti_zip, write_exports
from generator.exports.content import by_paper, variant_salt
from generator.exports.qti import CP_NS, QTI_NS
from generator.key import Blank, Key, KeyKind, Paper, Problem
from generator.problems import generate
from generator.render import markdown_to_html
from generator.roster import Student

NAMES = ('Zoë <Tester> & "Co"', "Łukasz 李雷", 'Ann {x}: ~#= \\ ]]> "q"\n\nLee')
TITLE = "CNN exam: 1/2 {mid} \\ <b>&"


def _find(kind: str, level: str, pid: str, start: int, accept: Callable[[Problem], bool]) -> Problem:
    """The first generated problem (seeds from ``start``) that ``accept`` takes."""
    for seed in range(start, start + 2000):
        problem = generate(kind, random.Random(seed), level, pid)
        if accept(problem):
            return problem
    raise AssertionError(f"no {kind} problem found")  # pragma: no cover


def _exam_problems(offset: int) -> tuple[Problem, ...]:
    """One variant: every way a problem becomes questions (table cloze, shape cloze, numerical,
    several int blanks, a choice blank, several right answers)."""

    def one_int(p: Problem) -> bool:
        return len(p.blanks) == 1 and p.blanks[0].kind == "int"

    return (
        _find("summary_table", "standard", "q1", offset, lambda p: True),
        _find("layer_shape", "standard", "q2", offset, lambda p: True),
        _find("layer_params", "standard", "q3", offset, lambda p: len(p.blanks) == 3),
        _find("inverse", "standard", "q4", offset, lambda p: p.blanks[0].kind == "choice"),
        _find("inverse", "standard", "q5", offset, lambda p: one_int(p) and len(p.blanks[0].accepted) > 1),
        _find("concept", "advanced", "q6", offset, lambda p: len(p.blanks) == 2),
        _find("layer_params", "intro", "q7", offset, one_int),
    )


@pytest.fixture(scope="module")
def master() -> Key:
    papers = tuple(
        Paper(Student(f"s00{i + 1}", name), f"K7Q-{i}M{i}", f"students/s00{i + 1}", _exam_problems(50 * i))
        for i, name in enumerate(NAMES)
    )
    return Key(KeyKind.MASTER, TITLE, papers, seed=2026, difficulty="standard")


@pytest.fixture(scope="module")
def moodle(master: Key) -> bytes:
    return moodle_xml(master)


@pytest.fixture(scope="module")
def gift_text(master: Key) -> str:
    return gift(master)


@pytest.fixture(scope="module")
def qti(master: Key) -> bytes:
    return qti_zip(master)


def _label(paper: Paper) -> str:
    return f"{paper.variant} {paper.id}"


def _expected_boxes(problem: Problem) -> dict[str, set[str]]:
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


def _blank(master: Key, paper_index: int, qid: str) -> tuple[Problem, Blank]:
    pid, bid = qid.split(".", 1)
    problem = next(p for p in master.papers[paper_index].problems if p.id == pid)
    return problem, next(b for b in problem.blanks if b.id == bid)


def _mistake_of(blank: Blank, shown: str) -> str:
    return next(d.mistake for d in blank.distractors if display(d.answer, blank.kind) == shown)


def test_fixture_covers_every_case(master: Key) -> None:
    blanks = [b for p in master.problems for b in p.blanks]
    assert {b.kind for b in blanks} == {"shape", "int", "choice"}
    assert any(len(b.accepted) > 1 for b in blanks)
    assert {len(b.answer.split("x")) for b in blanks if b.kind == "shape"} >= {1, 3}


# ---------------------------------------------------------------- Moodle XML


def _questions(data: bytes) -> list[ET.Element]:
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    return list(root)


def _text(question: ET.Element, path: str) -> str:
    node = question.find(path)
    assert node is not None, f"missing {path}"
    return node.text or ""


def test_moodle_structure_follows_the_importer(master: Key, moodle: bytes) -> None:
    questions = _questions(moodle)
    assert all(q.tag == "question" for q in questions)
    assert {q.get("type") for q in questions} <= {"category", "numerical", "multichoice", "cloze"}
    current = None
    seen_categories = []
    for q in questions:
        if q.get("type") == "category":
            current = _text(q, "category/text")
            seen_categories.append(current)
            assert q.find("info").get("format") == "html"
            continue
        assert current is not None, "a question before any category"
        assert _text(q, "name/text").strip()
        assert q.find("questiontext").get("format") == "html"
        assert _text(q, "questiontext/text").strip()
        assert _text(q, "generalfeedback/text").strip()
        assert _text(q, "idnumber")
    title = TITLE.replace("/", "//")
    expected = [c for s in master.papers
                for c in (f"$course$/top/{title}/{_label(s)}", f"$course$/top/{title}/{_label(s)}/multiple choice")]
    assert seen_categories == expected


def _moodle_by_category(master: Key, data: bytes) -> dict[tuple[int, bool], list[ET.Element]]:
    """(student index, multiple choice?) -> the questions after that category."""
    groups: dict[tuple[int, bool], list[ET.Element]] = {}
    key = None
    for q in _questions(data):
        if q.get("type") == "category":
            path = _text(q, "category/text")
            index = next(i for i, s in enumerate(master.papers) if f"/{_label(s)}" in path)
            key = (index, path.endswith("/multiple choice"))
            groups[key] = []
        else:
            groups[key].append(q)
    return groups


def test_moodle_typed_questions_match_the_key(master: Key, moodle: bytes) -> None:
    groups = _moodle_by_category(master, moodle)
    for index, student in enumerate(master.papers):
        questions = groups[(index, False)]
        assert [_text(q, "idnumber") for q in questions] == [p.id for p in student.problems]
        for q, problem in zip(questions, student.problems, strict=True):
            blanks = problem.blanks
            if len(blanks) == 1 and blanks[0].kind == "int":
                assert q.get("type") == "numerical"
                answers = q.findall("answer")
                assert {_text(a, "text") for a in answers} == set(blanks[0].accepted)
                assert len(answers) == len(blanks[0].accepted)
                assert all(a.get("fraction") == "100" and _text(a, "tolerance") == "0" for a in answers)
            elif len(blanks) == 1 and blanks[0].kind == "choice":
                assert q.get("type") == "multichoice"
            else:
                assert q.get("type") == "cloze"
            assert markdown_to_html(problem.prompt) in _text(q, "questiontext/text")


_FIELD = re.compile(r"\{1:(NUMERICAL|MULTICHOICE|SHORTANSWER):((?:\\.|[^\\}])*)\}")


def test_moodle_cloze_embeds_every_box(master: Key, moodle: bytes) -> None:
    groups = _moodle_by_category(master, moodle)
    clozes = 0
    for index, student in enumerate(master.papers):
        for q, problem in zip(groups[(index, False)], student.problems, strict=True):
            if q.get("type") != "cloze":
                continue
            clozes += 1
            fields = _FIELD.findall(_text(q, "questiontext/text"))
            expected = _expected_boxes(problem)
            # Table rows first (shape axes, then Param #), then the other blanks in order.
            order = [bid for row in problem.table for bid in (row["shape"], row["params"])]
            order += [b.id for b in problem.blanks if b.id not in order]
            keys = [k for bid in order for k in expected if k.split("[")[0] == f"{problem.id}.{bid}"]
            assert len(fields) == len(keys) == len(expected)
            for (qtype, body), key in zip(fields, keys, strict=True):
                if qtype == "NUMERICAL":
                    parts = body.split("~")
                    assert all(p.startswith("=") and p.endswith(":0") for p in parts)
                    assert {p[1:-2] for p in parts} == expected[key]
                else:
                    right = [p[1:] for p in body.split("~") if p.startswith("=")]
                    assert right == sorted(expected[key])
    assert clozes == 4 * len(master.papers)


def test_moodle_cloze_with_a_choice_blank(master: Key) -> None:
    """A choice blank among others becomes a MULTICHOICE field: the answer marked ``=``, the
    distractors unmarked."""
    student = master.papers[0]
    choice = student.problems[3].blanks[0]
    shape_problem = replace(student.problems[1], blanks=(*student.problems[1].blanks, choice))
    problems = (student.problems[0], shape_problem, *student.problems[2:])
    mixed = replace(master, papers=(replace(student, problems=problems), *master.papers[1:]))
    cloze = next(q for q in _questions(moodle_xml(mixed)) if q.findtext("idnumber") == shape_problem.id)
    assert cloze.get("type") == "cloze"
    (body,) = [body for qtype, body in _FIELD.findall(_text(cloze, "questiontext/text")) if qtype == "MULTICHOICE"]
    options = body.split("~")
    assert [o[1:] for o in options if o.startswith("=")] == [choice.answer]
    assert sorted(o for o in options if not o.startswith("=")) == sorted(d.answer for d in choice.distractors)


def test_moodle_multiple_choice_has_one_right_answer(master: Key, moodle: bytes) -> None:
    groups = _moodle_by_category(master, moodle)
    for index, student in enumerate(master.papers):
        questions = groups[(index, True)] + [q for q in groups[(index, False)] if q.get("type") == "multichoice"]
        n_blanks = sum(len(p.blanks) for p in student.problems)
        assert len(groups[(index, True)]) == n_blanks
        for q in questions:
            assert q.get("type") == "multichoice"
            assert _text(q, "single") == "true" and _text(q, "shuffleanswers") == "true"
            idnumber = _text(q, "idnumber")
            if "." not in idnumber:  # a typed question: the problem's only blank is a choice
                idnumber += "." + next(p for p in student.problems if p.id == idnumber).blanks[0].id
            _, blank = _blank(master, index, idnumber)
            answers = q.findall("answer")
            right = [a for a in answers if a.get("fraction") == "100"]
            assert len(right) == 1
            assert {a.get("fraction") for a in answers} == {"100", "0"}
            right_text = html.unescape(_text(right[0], "text"))
            assert right_text == display(blank.answer, blank.kind)
            wrong = [html.unescape(_text(a, "text")) for a in answers if a.get("fraction") == "0"]
            assert wrong and right_text not in wrong and len(set(wrong)) == len(wrong)
            for a in answers:
                if a.get("fraction") == "0":
                    mistake = _mistake_of(blank, html.unescape(_text(a, "text")))
                    assert html.escape(mistake, quote=False) in _text(a, "feedback/text")


def test_moodle_escapes_user_text(master: Key, moodle: bytes) -> None:
    assert b"<Tester>" not in moodle
    root = ET.fromstring(moodle)
    texts = [t for t in root.itertext()]
    assert not any("<Tester>" in t for t in texts)
    infos = [_text(q, "info/text") for q in root if q.get("type") == "category"]
    for student in master.papers:
        escaped = html.escape(" ".join(student.name.split()))
        assert any(escaped in info for info in infos)
    assert "Łukasz 李雷" in moodle.decode("utf-8")


# ---------------------------------------------------------------- GIFT

_GIFT_ESCAPES = {"\\:": ":", "\\#": "#", "\\=": "=", "\\{": "{", "\\}": "}", "\\~": "~", "\\n": "\n"}


def _gift_pre(text: str) -> str:
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


def _parse_gift(text: str) -> list[GiftQuestion]:
    """Blocks split on blank lines, comment lines dropped, name / text / answers / general
    feedback split on unescaped delimiters, as Moodle's ``readquestion``."""
    questions, category = [], ""
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in block.split("\n") if not line.strip().startswith("//")]
        body = _gift_pre("\n".join(lines).strip())
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


def _gift_numbers(answers: str) -> list[tuple[str, str]]:
    assert answers.startswith("#")
    parts = [p.strip() for p in answers[1:].split("=") if p.strip()]
    return [tuple(p.split(":")) for p in parts]  # type: ignore[misc]


def _gift_options(answers: str) -> list[tuple[bool, str, str]]:
    options = []
    for part in answers.replace("=", "~=").split("~"):
        if part.strip():
            text, _, feedback = part.strip().partition("#")
            options.append((text.startswith("="), html.unescape(_gift_post(text.lstrip("=").strip())),
                            html.unescape(_gift_post(feedback.strip()))))
    return options


def test_gift_numbers_match_the_key(master: Key, gift_text: str) -> None:
    questions = _parse_gift(gift_text)
    for index, student in enumerate(master.papers):
        typed = [q for q in questions if q.category.endswith(_label(student))]
        expected = {k: v for p in student.problems for k, v in _expected_boxes(p).items()}
        keys = [q.name.removeprefix(f"{_label(student)} ") for q in typed]
        assert keys == list(expected)
        for q, key in zip(typed, keys, strict=True):
            problem, blank = _blank(master, index, key.split("[")[0])
            assert q.text.startswith("[html]" + markdown_to_html(problem.prompt))
            if blank.kind == "choice":
                options = _gift_options(q.answers)
                assert [t for right, t, _ in options if right] == [display(blank.answer, "choice")]
                continue
            numbers = _gift_numbers(q.answers)
            assert {value for value, _ in numbers} == expected[key]
            assert all(tolerance == "0" for _, tolerance in numbers)
            if len(expected[key]) > 1:
                assert q.answers.startswith("#=") and q.answers.count("=") == len(expected[key])


def test_gift_multiple_choice(master: Key, gift_text: str) -> None:
    questions = _parse_gift(gift_text)
    for index, student in enumerate(master.papers):
        choices = [q for q in questions if q.category.endswith(f"{_label(student)}/multiple choice")]
        assert len(choices) == sum(len(p.blanks) for p in student.problems)
        for q in choices:
            qid = q.name.removeprefix(f"{_label(student)} ").removesuffix(" (multiple choice)")
            _, blank = _blank(master, index, qid)
            options = _gift_options(q.answers)
            right = [text for is_right, text, _ in options if is_right]
            assert right == [display(blank.answer, blank.kind)]
            for is_right, text, feedback in options:
                if not is_right:
                    assert text != right[0]
                    assert _mistake_of(blank, text) in feedback


def test_gift_escapes_names_and_prompts(master: Key, gift_text: str) -> None:
    questions = _parse_gift(gift_text)
    assert len(questions) == sum(len(_expected_boxes(p)) + len(p.blanks) for p in master.problems)
    for line in gift_text.splitlines():
        if line.startswith("::"):
            body = _gift_pre(line)
            name_end = body.index("::", 2)
            text = body[name_end + 2:body.index("{")]
            assert ":" not in body[2:name_end]
            assert not re.search(r"[=~#{}:]", text), "a reserved character left unescaped"
            assert body.count("{") == 1 and body.count("}") == 1
    categories = list(dict.fromkeys(q.category for q in questions))
    assert categories == [
        _text(q, "category/text") for q in _questions(moodle_xml(master)) if q.get("type") == "category"
    ]
    assert all(TITLE in c.replace("//", "/") for c in categories)
    for student in master.papers:
        comment = f"({' '.join(student.name.split())})"
        assert any(line.startswith("//") and comment in line for line in gift_text.splitlines())
    assert any('padding="' in q.text for q in questions)
    assert "Łukasz 李雷" in gift_text


# ---------------------------------------------------------------- Canvas QTI

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def _metadata(item: ET.Element) -> dict[str, str]:
    return {
        f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
        for f in item.iter(f"{QTI}qtimetadatafield")
    }


def _assessments(data: bytes) -> dict[str, ET.Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        resources = manifest.findall(f"{CP}resources/{CP}resource")
        hrefs = [r.get("href") for r in resources]
        assert all(r.get("type") == "imsqti_xmlv1p2" for r in resources)
        assert [r.find(f"{CP}file").get("href") for r in resources] == hrefs
        assert sorted(hrefs) == sorted(n for n in names if n != "imsmanifest.xml")
        return {href: ET.fromstring(archive.read(href)) for href in hrefs}


def test_qti_package_and_numerical_items(master: Key, qti: bytes) -> None:
    assessments = list(_assessments(qti).values())
    assert len(assessments) == 2 * len(master.papers)
    for index, student in enumerate(master.papers):
        typed, choices = assessments[2 * index], assessments[2 * index + 1]
        assert typed.find(f"{QTI}assessment").get("title").endswith(_label(student))
        assert choices.find(f"{QTI}assessment").get("title").endswith("(multiple choice)")
        expected = {k: v for p in student.problems for k, v in _expected_boxes(p).items()}
        items = typed.findall(f".//{QTI}item")
        assert [i.get("title") for i in items] == list(expected)
        for item in items:
            key = item.get("title")
            _, blank = _blank(master, index, key.split("[")[0])
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
    assessments = list(_assessments(qti).values())
    for index, student in enumerate(master.papers):
        items = assessments[2 * index + 1].findall(f".//{QTI}item")
        assert [i.get("title") for i in items] == [f"{p.id}.{b.id}" for p in student.problems for b in p.blanks]
        for item in items:
            assert _metadata(item)["question_type"] == "multiple_choice_question"
            _, blank = _blank(master, index, item.get("title"))
            labels = {
                label.get("ident"): label.findtext(f".//{QTI}mattext")
                for label in item.iter(f"{QTI}response_label")
            }
            scoring = [c for c in item.iter(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None]
            assert len(scoring) == 1
            right = scoring[0].findtext(f".//{QTI}varequal")
            assert labels[right] == display(blank.answer, blank.kind)
            feedback = {f.get("ident"): f.findtext(f".//{QTI}mattext") for f in item.iter(f"{QTI}itemfeedback")}
            for ident, text in labels.items():
                if ident != right:
                    assert text != labels[right]
                    assert _mistake_of(blank, text) in feedback[f"{ident}_fb"]


def test_qti_texts_are_escaped_html(master: Key, qti: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(qti)) as archive:
        raw = b"".join(archive.read(name) for name in archive.namelist())
    assert b"<Tester>" not in raw and b"<p>" not in raw
    first = next(iter(_assessments(qti).values()))
    text = first.find(f".//{QTI}mattext").text
    assert markdown_to_html(master.papers[0].problems[0].prompt) in text


# ---------------------------------------------------------------- determinism and files


def test_exports_are_deterministic(master: Key, moodle: bytes, gift_text: str, qti: bytes) -> None:
    """The same key, written to JSON and read back, gives the same bytes."""
    again = Key.from_json(master.to_json(), "master.json")
    assert moodle_xml(again) == moodle
    assert gift(again) == gift_text
    assert qti_zip(again) == qti
    with zipfile.ZipFile(io.BytesIO(qti)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def _options(master: Key, moodle: bytes, gift_text: str, qti: bytes) -> dict[str, dict[str, list[str]]]:
    """Format -> ``{label} {qid}`` -> the option texts of that multiple-choice version, in order."""
    moodle_options = {
        _text(q, "name/text").removesuffix(" (multiple choice)"): [html.unescape(_text(a, "text")) for a in q.findall("answer")]
        for q in _questions(moodle) if q.findtext("name/text", "").endswith(" (multiple choice)")
    }
    gift_options = {q.name.removesuffix(" (multiple choice)"): [text for _, text, _ in _gift_options(q.answers)]
                    for q in _parse_gift(gift_text) if q.name.endswith(" (multiple choice)")}
    qti_options = {}
    for paper, assessment in zip(master.papers, list(_assessments(qti).values())[1::2], strict=True):
        for item in assessment.iter(f"{QTI}item"):
            labels = item.iter(f"{QTI}response_label")
            qti_options[f"{_label(paper)} {item.get('title')}"] = [label.findtext(f".//{QTI}mattext") for label in labels]
    return {"moodle": moodle_options, "gift": gift_options, "qti": qti_options}


def test_every_format_orders_the_options_alike(master: Key, moodle: bytes, gift_text: str, qti: bytes) -> None:
    """One salt per student (exam seed and id): the same option order in every format, and an
    order that is not always the right answer first."""
    options = _options(master, moodle, gift_text, qti)
    assert options["moodle"] == options["gift"] == options["qti"]
    assert len(options["qti"]) == sum(len(p.blanks) for p in master.problems)
    firsts = [texts[0] for texts in options["qti"].values()]
    rights = []
    for index, paper in enumerate(master.papers):
        for qid in (f"{p.id}.{b.id}" for p in paper.problems for b in p.blanks):
            _, blank = _blank(master, index, qid)
            rights.append(display(blank.answer, blank.kind))
    assert firsts != rights
    assert variant_salt(master.seed, "s001") == "2026\x00s001"


def test_the_walk_is_shared(master: Key, moodle: bytes, gift_text: str, qti: bytes) -> None:
    """Exporters given the key already walked (as write_exports does) write the same bytes."""
    papers = tuple(by_paper(master))
    assert [paper for paper, _ in papers] == list(master.papers)
    assert moodle_xml(master, papers) == moodle
    assert gift(master, papers) == gift_text
    assert qti_zip(master, papers) == qti


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
            data = archive.read(name)
            assert ET.fromstring(data).tag.startswith("{" + (CP_NS if name == "imsmanifest.xml" else QTI_NS) + "}")
            assert _as_elementtree_writes(data) == data, name


def test_write_exports(master: Key, tmp_path: Path, moodle: bytes, gift_text: str, qti: bytes) -> None:
    out = tmp_path / "exam" / "lms"
    paths = write_exports(master, out)
    assert [p.name for p in paths] == ["moodle.xml", "quiz.gift.txt", "canvas_qti.zip"]
    assert paths[0].read_bytes() == moodle
    assert paths[1].read_bytes() == gift_text.encode("utf-8")
    assert paths[2].read_bytes() == qti
    only = write_exports(master, tmp_path / "one", ["gift"])
    assert only == [tmp_path / "one" / FILENAMES[ExportFormat.GIFT]]


def test_only_an_exam_master_key_is_exported(master: Key, tmp_path: Path) -> None:
    sheet = Key(KeyKind.WORKSHEET, "Sheet", (Paper.shared(master.papers[0].problems),), seed=1)
    with pytest.raises(UserError, match="exam master key; got a worksheet key"):
        write_exports(sheet, tmp_path / "lms")
    assert not (tmp_path / "lms").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(students=[]), "'students' must be a non-empty list"),
        (lambda m: m["students"][1].update(id=m["students"][0]["id"]), "names both student"),
        (lambda m: m["students"][0]["problems"][1]["blanks"][0].update(kind="float"), "has kind 'float'; expected one of"),
        (lambda m: m["students"][0]["problems"][6]["blanks"][0].update(accepted=["12.5"]), "has an answer that is not a int"),
    ],
)
def test_invalid_master_keys_are_refused_when_read(master: Key, change: Callable[[dict[str, Any]], Any],
                                                   message: str) -> None:
    """A master key is validated once, when it is read (:meth:`Key.from_data`), so an invalid
    one never reaches the exporters."""
    broken = json.loads(master.to_json())
    change(broken)
    with pytest.raises(UserError, match=re.escape(message)):
        Key.from_data(broken, "master.json")
