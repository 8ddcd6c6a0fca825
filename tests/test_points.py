"""Points: every variant of an exam slot is worth the same, and the exam, the keys, ``check``, the
gradebook and the LMS exports all count them alike."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from generator.configs import load_exam_config
from generator.exam import build_master
from generator.exports.moodle import moodle_xml
from generator.exports.qti import qti_zip
from generator.grading import check
from generator.key import Key
from generator.roster import Student
from helpers import exam_key
from lms_readers import QTI, qti_assessments

CONFIG = {"title": "Points", "difficulty": "standard", "problems": [
    {"type": "summary_table", "points": 10},
    {"type": "layer_shape", "count": 2},
    {"type": "concept", "topic": "same_vs_valid", "points": 3},
]}


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Key:
    path = tmp_path_factory.mktemp("points") / "exam.yaml"
    path.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    return build_master(load_exam_config(path), 7, [Student(f"s{i}", f"S {i}") for i in range(12)])


def test_every_variant_of_a_slot_is_worth_the_same(master):
    for paper in master.papers:
        assert [p.worth for p in paper.problems] == [10, 1, 1, 3]
        table = paper.problems[0]
        assert table.blank_points == pytest.approx(10 / len(table.blanks))


def test_default_points_are_one_per_blank_of_the_reference_variant(master):
    for i, configured in ((1, None), (2, None), (0, 10)):
        worth = {paper.problems[i].worth for paper in master.papers}
        assert worth == {configured or float(len(master.papers[0].problems[i].blanks))}


def test_the_exam_shows_each_problems_points_and_the_total(master, tmp_path):
    from generator.documents import document_context, render_documents, student_fields
    from generator.render import environment

    paper = master.papers[0]
    context = document_context("T", "", "standard", 7, "", paper.problems, "", student=student_fields(paper))
    exam = render_documents(environment(None), context, "", "T", selfcheck=False)["worksheet.md"]
    assert "· 15 points" in exam and "## 1. Fill in the summary table (10 points)" in exam
    assert "(3 points)" in exam and "(1 point)" in exam


def test_check_and_the_gradebook_weigh_answers_by_points(master, tmp_path):
    paper = master.papers[0]
    key = tmp_path / "key.json"
    key.write_text(master.to_json(), encoding="utf-8")
    rows = [(paper.id, qid, blank.answer) for qid, _, blank in paper.questions()]
    wrong = next(i for i, (_, qid, _) in enumerate(rows) if qid.startswith("q4."))  # one of the two 1.5-point blanks
    rows[wrong] = (paper.id, rows[wrong][1], "1x1x1")
    answers = tmp_path / "answers.csv"
    with answers.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("student_id", "question_id", "answer"), *rows])
    report = check(key, answers)
    (student,) = [s for s in report.students if s.id == paper.id]
    assert (student.points, student.max_points, student.score) == (13.5, 15, 90.0)
    assert next(q for q in student.questions if q.question_id == rows[wrong][1]).points == 1.5


def test_lms_exports_carry_the_points(master):
    grades = {q.findtext("idnumber"): float(q.findtext("defaultgrade"))
              for q in ET.fromstring(moodle_xml(master)).iter("question") if q.get("type") != "category"}
    paper = master.papers[0]
    assert [grades[p.id] for p in paper.problems] == [p.worth for p in paper.problems]
    typed = list(qti_assessments(qti_zip(master)).values())[0]
    points: dict[str, float] = {}
    for item in typed.iter(f"{QTI}item"):
        field = next(f for f in item.iter(f"{QTI}qtimetadatafield") if f.findtext(f"{QTI}fieldlabel") == "points_possible")
        problem = item.get("title").split(".")[0]
        points[problem] = points.get(problem, 0.0) + float(field.findtext(f"{QTI}fieldentry"))
    assert points == pytest.approx({p.id: p.worth for p in paper.problems}, abs=1e-3)


def test_points_are_checked_in_configs_and_keys(tmp_path):
    from generator.errors import UserError

    path = tmp_path / "exam.yaml"
    path.write_text(yaml.safe_dump({"problems": [{"type": "inverse", "points": 0}]}), encoding="utf-8")
    with pytest.raises(UserError, match=r"problems\[0\]\.points: expected a number of points from 0 to 1,000"):
        load_exam_config(path)
    with pytest.raises(UserError, match="has 'points' that are not a number from 0 to 1,000"):
        Key.from_json(re.sub(r'"points": [0-9.]+', '"points": -2', exam_key(1).to_json(), count=1), "k.json")


def test_a_key_round_trips_its_points(master):
    assert Key.from_json(master.to_json(), "k.json") == master
