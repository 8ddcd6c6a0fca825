"""``check --format canvas-csv`` and ``--format moodle-csv``: gradebook CSVs laid out as Canvas'
gradebook import (canvas-lms ``app/models/gradebook_importer.rb``) and Moodle's CSV grade import
(``grade/import/csv``) read them, with the roster's email, section and SIS columns carried
through the exam's master key. Answers are the key's own computed answers."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from generator.answers import display
from generator.grading.gradebooks import CANVAS_COLUMNS, MOODLE_COLUMNS, safe_cell
from generator.key import Key, number
from generator.roster import Student, read_roster
from helpers import cli, exam_key, one_line_error

ROSTER = (
    Student("s001", "Ada Lovelace", email="ada@uni.edu", section="Lab A", sis_user_id="9001", sis_login_id="ada"),
    Student("s002", "=HYPERLINK(1)", email="", section="-B", sis_user_id="", sis_login_id="@x"),
    Student("s003", 'Grace "Amazing" Hopper, Jr', email="grace@uni.edu"),
)


@pytest.fixture(scope="module")
def master() -> Key:
    return exam_key(list(ROSTER), 7)


@pytest.fixture
def files(tmp_path: Path, master: Key) -> tuple[Path, Path]:
    key = tmp_path / "key.json"
    key.write_text(master.to_json(), encoding="utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", "question_id", "answer"])
    for qid, _, blank in master.papers[0].questions():  # s001 all right
        writer.writerow(["s001", qid, display(blank.answer, blank.kind)])
    qid, _, blank = next(master.papers[2].questions())  # s003 one right; s002 absent
    writer.writerow(["s003", qid, display(blank.answer, blank.kind)])
    answers = tmp_path / "answers.csv"
    answers.write_text(out.getvalue(), encoding="utf-8")
    return key, answers


def _check(key: Path, answers: Path, fmt: str) -> str:
    code, printed, err = cli("check", "--key", str(key), str(answers), "--format", fmt)
    assert code == 0, err
    return printed


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(text.splitlines()))


def test_roster_columns_reach_the_master_key(tmp_path, master):
    roster = tmp_path / "roster.csv"
    roster.write_text("ID,Name,Email,Section,SIS User ID,SIS Login ID\ns1,Ann,ann@x.org,A,77,ann\ns2,Bo,,,,\n",
                      encoding="utf-8")
    assert read_roster(roster) == [Student("s1", "Ann", "ann@x.org", "A", "77", "ann"), Student("s2", "Bo")]
    data = json.loads(master.to_json())
    assert data["students"][0]["email"] == "ada@uni.edu" and "sis_user_id" not in data["students"][2]
    assert "email" not in data["students"][1]  # empty: left out, so keys without the columns stay as they were
    assert Key.from_data(data, "k").papers[0].student == ROSTER[0]


def test_keys_without_roster_columns_load(tmp_path):
    plain = exam_key(2, 3)
    assert all(p.student.lms_fields() == {} for p in plain.papers)
    assert '"email"' not in plain.to_json()


def test_a_roster_column_that_is_not_text_is_an_error(tmp_path, master):
    data = json.loads(master.to_json())
    data["students"][0]["email"] = 5
    key = tmp_path / "bad.json"
    key.write_text(json.dumps(data), encoding="utf-8")
    answers = tmp_path / "a.csv"
    answers.write_text("student_id,question_id,answer\ns001,q1.x,1\n", encoding="utf-8")
    line = one_line_error(*cli("check", "--key", str(key), str(answers), "--format", "canvas-csv")[::2])
    assert "'email'" in line and "not text" in line


def test_canvas_csv_has_canvas_import_layout(files, master):
    rows = _rows(_check(*files, "canvas-csv"))
    header, points, *students = rows
    # The importer: Student / ID first, SIS User ID and SIS Login ID third and fourth, Section last
    # of the student columns; an assignment column without "(id)" names a new assignment.
    assert header == [*CANVAS_COLUMNS, master.title]
    assert not re.search(r"\(\d+\)$", header[-1])
    total = number(sum(p.worth for p in master.papers[0].problems))
    assert points == ["Points Possible", "", "", "", "", str(total)]
    first = master.papers[2].problems[0]
    assert students == [
        ["Ada Lovelace", "", "9001", "ada", "Lab A", str(total)],
        ['Grace "Amazing" Hopper, Jr', "", "", "", "", str(number(first.blank_points))],
    ]


def test_moodle_csv_maps_by_id_number_or_email(files, master):
    header, *students = _rows(_check(*files, "moodle-csv"))
    assert header == [*MOODLE_COLUMNS, master.title]
    assert [s[:3] for s in students] == [["s001", "ada@uni.edu", "Ada Lovelace"],
                                         ["s003", "grace@uni.edu", 'Grace "Amazing" Hopper, Jr']]


def test_formula_cells_are_defused(tmp_path, master):
    key = tmp_path / "key.json"
    key.write_text(master.to_json(), encoding="utf-8")
    answers = tmp_path / "a.csv"
    qid, _, blank = next(master.papers[1].questions())
    answers.write_text(f"student_id,question_id,answer\ns002,{qid},{display(blank.answer, blank.kind)}\n".replace(
        "(None, ", '"(None, ').replace(")\n", ')"\n'), encoding="utf-8")
    canvas = _rows(_check(key, answers, "canvas-csv"))[2]
    assert canvas[:5] == ["'=HYPERLINK(1)", "", "", "'@x", "'-B"]
    moodle = _rows(_check(key, answers, "moodle-csv"))[1]
    assert moodle[2] == "'=HYPERLINK(1)"
    assert safe_cell("+1") == "'+1" and safe_cell("a=b") == "a=b"


def test_same_key_same_bytes(files):
    for fmt in ("canvas-csv", "moodle-csv"):
        assert _check(*files, fmt) == _check(*files, fmt)


def test_worksheet_key_gives_names_only(tmp_path):
    import random

    from generator.key import KeyKind, Paper
    from generator.problems import generate

    problem = generate("layer_params", random.Random(1), "standard", "p1")
    key = tmp_path / "w.json"
    key.write_text(Key(KeyKind.WORKSHEET, "WS", (Paper.shared((problem,)),), seed=1).to_json(), encoding="utf-8")
    answers = tmp_path / "a.csv"
    b = problem.blanks[0]
    answers.write_text(f"student_id,question_id,answer\nme,p1.{b.id},{b.answer}\n", encoding="utf-8")
    assert _rows(_check(key, answers, "canvas-csv"))[2] == ["me", "", "", "", "", str(number(problem.worth))]
