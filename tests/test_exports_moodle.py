"""The Moodle XML export of the covering master key, read back as Moodle's
``question/format/xml/format.php`` reads it and compared with the key."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

from generator.answers import display
from generator.exports import moodle_xml
from generator.key import Key
from generator.render import markdown_to_html
from helpers import HOSTILE_TITLE
from lms_readers import (
    choice_qids,
    expected_boxes,
    find_blank,
    label,
    mistake_of,
    moodle_questions,
    moodle_text,
)


def test_moodle_structure_follows_the_importer(master: Key, moodle: bytes) -> None:
    questions = moodle_questions(moodle)
    assert all(q.tag == "question" for q in questions)
    assert {q.get("type") for q in questions} <= {"category", "numerical", "multichoice", "cloze"}
    current = None
    seen_categories = []
    for q in questions:
        if q.get("type") == "category":
            current = moodle_text(q, "category/text")
            seen_categories.append(current)
            assert q.find("info").get("format") == "html"
            continue
        assert current is not None, "a question before any category"
        assert moodle_text(q, "name/text").strip()
        assert q.find("questiontext").get("format") == "html"
        assert moodle_text(q, "questiontext/text").strip()
        assert moodle_text(q, "generalfeedback/text").strip()
        assert moodle_text(q, "idnumber")
    title = HOSTILE_TITLE.replace("/", "//")
    expected = [c for s in master.papers
                for c in (f"$course$/top/{title}/{label(s)}", f"$course$/top/{title}/{label(s)}/multiple choice")]
    assert seen_categories == expected


def _moodle_by_category(master: Key, data: bytes) -> dict[tuple[int, bool], list[ET.Element]]:
    """(student index, multiple choice?) -> the questions after that category."""
    groups: dict[tuple[int, bool], list[ET.Element]] = {}
    key = None
    for q in moodle_questions(data):
        if q.get("type") == "category":
            path = moodle_text(q, "category/text")
            index = next(i for i, s in enumerate(master.papers) if f"/{label(s)}" in path)
            key = (index, path.endswith("/multiple choice"))
            groups[key] = []
        else:
            groups[key].append(q)
    return groups


def test_moodle_typed_questions_match_the_key(master: Key, moodle: bytes) -> None:
    groups = _moodle_by_category(master, moodle)
    for index, student in enumerate(master.papers):
        questions = groups[(index, False)]
        assert [moodle_text(q, "idnumber") for q in questions] == [p.id for p in student.problems]
        for q, problem in zip(questions, student.problems, strict=True):
            blanks = problem.blanks
            if len(blanks) == 1 and blanks[0].kind == "int":
                assert q.get("type") == "numerical"
                answers = q.findall("answer")
                assert {moodle_text(a, "text") for a in answers} == set(blanks[0].accepted)
                assert len(answers) == len(blanks[0].accepted)
                assert all(a.get("fraction") == "100" and moodle_text(a, "tolerance") == "0" for a in answers)
            elif len(blanks) == 1 and blanks[0].kind == "choice":
                assert q.get("type") == "multichoice"
            else:
                assert q.get("type") == "cloze"
            assert markdown_to_html(problem.prompt) in moodle_text(q, "questiontext/text")


_FIELD = re.compile(r"\{(\d+):(NUMERICAL|MULTICHOICE|SHORTANSWER):((?:\\.|[^\\}])*)\}")


def test_moodle_cloze_embeds_every_box(master: Key, moodle: bytes) -> None:
    groups = _moodle_by_category(master, moodle)
    clozes = 0
    for index, student in enumerate(master.papers):
        for q, problem in zip(groups[(index, False)], student.problems, strict=True):
            if q.get("type") != "cloze":
                continue
            clozes += 1
            fields = _FIELD.findall(moodle_text(q, "questiontext/text"))
            expected = expected_boxes(problem)
            # Table rows first (shape axes, then Param #), then the other blanks in order.
            order = [bid for row in problem.table for bid in (row["shape"], row["params"])]
            order += [b.id for b in problem.blanks if b.id not in order]
            keys = [k for bid in order for k in expected if k.split("[")[0] == f"{problem.id}.{bid}"]
            assert len(fields) == len(keys) == len(expected)
            weights: dict[str, int] = {}
            for (weight, _, _), key in zip(fields, keys, strict=True):
                weights[key.split("[")[0]] = weights.get(key.split("[")[0], 0) + int(weight)
            assert len(set(weights.values())) == 1, weights  # every blank weighs the same, axes or not
            assert float(moodle_text(q, "defaultgrade")) == problem.worth
            for (_, qtype, body), key in zip(fields, keys, strict=True):
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
    cloze = next(q for q in moodle_questions(moodle_xml(mixed)) if q.findtext("idnumber") == shape_problem.id)
    assert cloze.get("type") == "cloze"
    (body,) = [body for _, qtype, body in _FIELD.findall(moodle_text(cloze, "questiontext/text")) if qtype == "MULTICHOICE"]
    options = body.split("~")
    assert [o[1:] for o in options if o.startswith("=")] == [choice.answer]
    assert sorted(o for o in options if not o.startswith("=")) == sorted(d.answer for d in choice.distractors)


def test_moodle_multiple_choice_has_one_right_answer(master: Key, moodle: bytes) -> None:
    groups = _moodle_by_category(master, moodle)
    for index, student in enumerate(master.papers):
        questions = groups[(index, True)] + [q for q in groups[(index, False)] if q.get("type") == "multichoice"]
        assert len(groups[(index, True)]) == len(choice_qids(master, student))
        for q in questions:
            assert q.get("type") == "multichoice"
            assert moodle_text(q, "single") == "true" and moodle_text(q, "shuffleanswers") == "true"
            idnumber = moodle_text(q, "idnumber")
            if "." not in idnumber:  # a typed question: the problem's only blank is a choice
                idnumber += "." + next(p for p in student.problems if p.id == idnumber).blanks[0].id
            _, blank = find_blank(master, index, idnumber)
            answers = q.findall("answer")
            right = [a for a in answers if a.get("fraction") == "100"]
            assert len(right) == 1
            assert {a.get("fraction") for a in answers} == {"100", "0"}
            right_text = html.unescape(moodle_text(right[0], "text"))
            assert right_text == display(blank.answer, blank.kind)
            wrong = [html.unescape(moodle_text(a, "text")) for a in answers if a.get("fraction") == "0"]
            assert wrong and right_text not in wrong and len(set(wrong)) == len(wrong)
            for a in answers:
                if a.get("fraction") == "0":
                    mistake = mistake_of(blank, html.unescape(moodle_text(a, "text")))
                    assert html.escape(mistake, quote=False) in moodle_text(a, "feedback/text")


def test_moodle_escapes_user_text(master: Key, moodle: bytes) -> None:
    assert b"<Tester>" not in moodle
    root = ET.fromstring(moodle)
    texts = [t for t in root.itertext()]
    assert not any("<Tester>" in t for t in texts)
    infos = [moodle_text(q, "info/text") for q in root if q.get("type") == "category"]
    for student in master.papers:
        escaped = html.escape(" ".join(student.name.split()))
        assert any(escaped in info for info in infos)
    assert "Łukasz 李雷" in moodle.decode("utf-8")


def test_moodle_cloze_lays_a_feature_map_out_as_a_grid_of_numeric_fields():
    import random

    from generator.exports.content import ask
    from generator.exports.moodle import cloze_html
    from generator.key import Paper
    from generator.problems import generate

    problem = generate("concept", random.Random(3), "standard", "q1", variant="conv_map")
    html_text = cloze_html(ask(Paper.shared((problem,)), problem, "salt"))
    rows = re.findall(r"<tr><th>row \d+</th>(.*?)</tr>", html_text)
    assert len(rows) == len(problem.grid)
    for row, ids in zip(rows, problem.grid, strict=True):
        fields = re.findall(r"\{\d+:NUMERICAL:=(-?\d+)", row)
        assert fields == [next(b.answer for b in problem.blanks if b.id == bid) for bid in ids]
