"""``check``: grading typed answers against worksheet and exam keys.

Every key is generated (worksheet problems by :func:`generator.problems.generate`, exam papers
by the exam builder through :func:`helpers.exam_key`) and written through the typed key model;
every typed answer is derived from the key's computed answers and distractors, so no answer is
written here by hand.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REPO
from generator.answers import display
from generator.errors import UserError
from generator.grading import Status, check, format_report
from generator.grading.report import GRADEBOOK_COLUMNS
from generator.key import Blank, Key, KeyKind, Paper, Problem, number
from generator.problems import generate
from generator.roster import Student
from helpers import cli, exam_key, one_line_error

WORKSHEET_TYPES = ("summary_table", "layer_shape", "layer_params", "inverse", "concept")
ROSTER = (Student("s001", "Ada Lovelace"), Student("s002", "Alan Turing"), Student("s003", "Grace Hopper"))


# ---------------------------------------------------------------- keys and answer files


def _problems(types: tuple[str, ...], seed: int, prefix: str) -> tuple[Problem, ...]:
    rng = random.Random(seed)
    return tuple(generate(t, rng, "standard", f"{prefix}{i + 1}") for i, t in enumerate(types))


def _write_worksheet_key(path: Path, problems: tuple[Problem, ...], title: str = "t", seed: int | None = None) -> Path:
    path.write_text(Key(KeyKind.WORKSHEET, title, (Paper.shared(problems),), seed=seed).to_json(), encoding="utf-8")
    return path


def _blanks(problems: tuple[Problem, ...]) -> list[tuple[str, Blank]]:
    """(question id, blank) for every blank, in key order."""
    return [(f"{p.id}.{b.id}", b) for p in problems for b in p.blanks]


def _typed(blank: Blank) -> str:
    """The right answer as the key shows it (``(None, 26, 26, 32)``, ``18,496``)."""
    return display(blank.answer, blank.kind)


def _wrong(blank: Blank) -> str:
    """A readable wrong answer that is none of the blank's distractors."""
    known = set(blank.accepted) | {d.answer for d in blank.distractors}
    if blank.kind == "choice":
        return "causal" if "causal" not in known else "reflect"
    if blank.kind == "int":
        value = int(blank.answer) + 7919
        while str(value) in known:
            value += 7919
        return str(value)
    dims = [int(v) for v in blank.answer.split("x")]
    dims[-1] += 7919
    return "x".join(map(str, dims))


@pytest.fixture
def worksheet(tmp_path: Path) -> tuple[Path, tuple[Problem, ...]]:
    problems = _problems(WORKSHEET_TYPES, 11, "p")
    return _write_worksheet_key(tmp_path / "key.json", problems, "Worksheet 3", 11), problems


@pytest.fixture(scope="module")
def exam_master() -> Key:
    """The exam master key of :data:`ROSTER` (every paper has the same question ids)."""
    return exam_key(list(ROSTER), 5)


@pytest.fixture
def exam(tmp_path: Path, exam_master: Key) -> tuple[Path, tuple[Paper, ...]]:
    path = tmp_path / "master.json"
    path.write_text(exam_master.to_json(), encoding="utf-8")
    return path, exam_master.papers


def _write_answers(path: Path, rows: list[tuple[str, str, str]], header: str = "student_id,question_id,answer",
                   bom: bool = False) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8")
    return path


def _all_right(student: str, problems: tuple[Problem, ...]) -> list[tuple[str, str, str]]:
    return [(student, qid, _typed(b)) for qid, b in _blanks(problems)]


# ---------------------------------------------------------------- grading


def test_perfect_answers_score_100(worksheet, tmp_path):
    key, problems = worksheet
    answers = _write_answers(tmp_path / "answers.csv", _all_right("ana", problems))
    code, out, err = cli("check", "--key", str(key), str(answers))
    assert code == 0, err
    n = len(_blanks(problems))
    assert f"ana: {n}/{n} right, {n}/{n} points, score 100.00%" in out
    report = check(key, answers)
    (student,) = report.students
    assert (student.points, student.max_points, student.score) == (n, n, 100.0)
    assert all(q.status is Status.RIGHT and not q.steps for q in student.questions)
    assert report.summary.mean == report.summary.min == 100.0


def test_partly_wrong_answers_are_scored_and_explained(worksheet, tmp_path):
    key, problems = worksheet
    blanks = _blanks(problems)
    with_distractor = next(i for i, (_, b) in enumerate(blanks) if b.distractors and b.kind == "shape")
    plain_wrong = next(i for i, (_, b) in enumerate(blanks) if b.kind == "int" and i != with_distractor)
    missing = next(i for i in range(len(blanks)) if i not in (with_distractor, plain_wrong))
    rows = []
    for i, (qid, b) in enumerate(blanks):
        if i == missing:
            continue
        typed = _typed(b)
        if i == with_distractor:
            typed = display(b.distractors[0].answer, "shape")
        elif i == plain_wrong:
            typed = _wrong(b)
        rows.append(("ana", qid, typed))
    answers = _write_answers(tmp_path / "answers.csv", rows)

    report = check(key, answers)
    (student,) = report.students
    assert (student.points, student.max_points) == (len(blanks) - 3, len(blanks))
    assert student.score == round(100 * (len(blanks) - 3) / len(blanks), 2)
    results = {q.question_id: q for q in student.questions}

    qid, b = blanks[with_distractor]
    r = results[qid]
    assert r.status is Status.WRONG and r.correct == b.shown
    assert r.mistake == b.distractors[0].mistake
    assert r.steps and {s.text for s in r.steps} <= {s.text for s in b.steps}

    qid, b = blanks[plain_wrong]
    r = results[qid]
    assert r.status is Status.WRONG and r.mistake is None and r.correct == b.shown
    assert len(r.steps) == 1 and r.steps[0] in b.steps

    qid, b = blanks[missing]
    r = results[qid]
    assert r.status is Status.UNANSWERED and r.line is None and r.steps == b.steps

    code, out, err = cli("check", "--key", str(key), str(answers))
    assert code == 0, err
    assert f"mistake: {blanks[with_distractor][1].distractors[0].mistake}" in out
    assert f"the answer is {blanks[plain_wrong][1].shown}" in out
    assert f"UNANSWERED {blanks[missing][0]}" in out


def test_typed_variants_are_normalized(worksheet, tmp_path):
    key, problems = worksheet
    styles = {
        "keras": lambda b: _typed(b),  # (None, 26, 26, 32) and 18,496
        "times": lambda b: " x ".join(b.answer.split("x")) if b.kind == "shape" else b.answer,
        "commas": lambda b: ",".join(b.answer.split("x")) if b.kind == "shape" else f"{int(b.answer):,}"
        if b.kind == "int" else f"  '{b.answer.upper()}' ",
        "spaces": lambda b: "[" + ", ".join(b.answer.split("x")) + "]" if b.kind == "shape"
        else f"{int(b.answer):_}" if b.kind == "int" else b.answer.title(),
    }
    rows = [(name, qid, style(b)) for name, style in styles.items() for qid, b in _blanks(problems)]
    assert any(typed.startswith("(None, ") for _, _, typed in rows)
    assert any(" x " in typed for _, _, typed in rows)
    assert any("," in typed and typed.replace(",", "").isdigit() for _, _, typed in rows)  # 18,496
    report = check(key, _write_answers(tmp_path / "answers.csv", rows))
    assert [s.id for s in report.students] == list(styles)
    assert all(s.score == 100.0 for s in report.students), [
        (q.question_id, q.given) for s in report.students for q in s.questions if not q.right
    ]


def test_worksheet_key_self_check_with_one_student(worksheet, tmp_path):
    key, problems = worksheet
    rows = _all_right("Jo (self-check)", problems)[:-1]
    answers = _write_answers(tmp_path / "mine.csv", rows)
    code, out, err = cli("check", "--key", str(key), str(answers), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["key"]["kind"] == KeyKind.WORKSHEET.value
    (student,) = data["students"]
    assert (student["id"], student["name"], student["variant"]) == ("Jo (self-check)", "", "")
    assert student["points"] == len(rows) and student["max_points"] == len(rows) + 1
    assert data["summary"]["students"] == 1 and data["summary"]["absent"] == []


def test_master_key_resolves_ids_and_variant_codes(exam, tmp_path):
    key, students = exam
    first, second, third = students
    differs = [qid for (qid, a), (_, b) in zip(_blanks(first.problems), _blanks(second.problems), strict=True)
               if a.answer != b.answer]
    assert differs, "the exam papers should have different numbers"
    rows = _all_right(first.id, first.problems)
    rows += _all_right(second.variant.lower().replace("-", " "), second.problems)  # from a paper copy
    rows += [(third.variant, qid, _typed(b)) for qid, b in _blanks(second.problems)]  # copied s002's numbers
    report = check(key, _write_answers(tmp_path / "answers.csv", rows))
    by_id = {s.id: s for s in report.students}
    assert [s.id for s in report.students] == ["s001", "s002", "s003"]
    assert by_id["s001"].score == by_id["s002"].score == 100.0
    assert by_id["s002"].variant == second.variant and by_id["s002"].name == second.name == "Alan Turing"
    copied = {q.question_id for q in by_id["s003"].questions if not q.right}
    third_differs = {qid for (qid, a), (_, b) in zip(_blanks(third.problems), _blanks(second.problems), strict=True)
                     if a.answer != b.answer}
    assert copied == third_differs
    assert report.summary.absent == ()


def test_per_student_exam_key(exam, exam_master, tmp_path):
    _, students = exam
    key = tmp_path / "s002.json"
    key.write_text(Key(KeyKind.STUDENT, exam_master.title, (students[1],), seed=exam_master.seed).to_json(), encoding="utf-8")
    answers = _write_answers(tmp_path / "a.csv", _all_right(students[1].variant, students[1].problems))
    report = check(key, answers)
    assert report.key_kind is KeyKind.STUDENT
    assert [(s.id, s.score) for s in report.students] == [("s002", 100.0)]
    other = _write_answers(tmp_path / "b.csv", [*_all_right("s002", students[1].problems),
                                                ("s001", _blanks(students[0].problems)[0][0], "1")])
    with pytest.raises(UserError, match=r"b\.csv line \d+: unknown student 's001'"):
        check(key, other)


def test_csv_gradebook_columns_and_values(exam, tmp_path):
    key, students = exam
    rows = _all_right("s001", students[0].problems)
    qid0, b0 = _blanks(students[1].problems)[0]
    rows += [("s002", qid0, display(b0.distractors[0].answer, b0.kind))]
    out = tmp_path / "grades.csv"
    code, printed, err = cli("check", "--key", str(key), str(_write_answers(tmp_path / "answers.csv", rows)),
                             "--format", "csv", "--out", str(out))
    assert code == 0, err
    assert printed == ""
    table = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    qids = [qid for qid, _ in _blanks(students[0].problems)]
    assert list(table[0]) == [*GRADEBOOK_COLUMNS, *qids]
    assert [r["student_id"] for r in table] == ["s001", "s002"]  # absent s003 is left to the LMS
    s1, s2 = table
    total = str(number(sum(p.worth for p in students[0].problems)))
    assert (s1["name"], s1["variant"], s1["score"], s1["points"], s1["max_points"]) == (
        "Ada Lovelace", students[0].variant, "100.00", total, total)
    worth = {f"{p.id}.{b.id}": str(number(p.blank_points)) for p in students[0].problems for b in p.blanks}
    assert all(s1[q] == worth[q] for q in qids) and all(s2[q] == "0" for q in qids)
    assert (s2["score"], s2["points"]) == ("0.00", "0")


def test_json_report_structure(exam, exam_master, tmp_path):
    key, students = exam
    first, second = students[0], students[1]
    blanks = _blanks(second.problems)
    rows = _all_right(first.id, first.problems) + [
        (second.id, qid, _typed(b) if i == 0 else display(b.distractors[0].answer, b.kind)
         if b.distractors else _wrong(b))
        for i, (qid, b) in enumerate(blanks)
    ]
    code, out, err = cli("check", "--key", str(key), str(_write_answers(tmp_path / "a.csv", rows)), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"title", "key", "answers", "students", "questions", "summary"}
    assert data["title"] == exam_master.title and data["key"]["kind"] == "master"
    first_points = second.problems[0].blank_points  # only the first answer is right
    total = sum(p.worth for p in second.problems)
    low = round(100 * first_points / total, 2)
    assert [s["score"] for s in data["students"]] == [100.0, low]
    assert [s["points"] for s in data["students"]] == [number(sum(p.worth for p in first.problems)), number(first_points)]
    question = data["students"][1]["questions"][1]
    assert set(question) == {"question_id", "label", "kind", "status", "right", "answer", "normalized",
                             "correct", "mistake", "note", "steps", "line", "points"}
    qid, blank = blanks[1]
    assert question["question_id"] == qid and question["line"] == len(_blanks(first.problems)) + 3
    assert question["status"] == "wrong" and question["correct"] == blank.shown
    assert question["mistake"] == blank.distractors[0].mistake and question["steps"]
    summary = data["summary"]
    assert (summary["students"], summary["min"], summary["max"]) == (2, low, 100.0)
    assert summary["mean"] == summary["median"] == round((100 + low) / 2, 2)
    assert summary["absent"] == ["s003"]
    stats = {q["question_id"]: q for q in data["questions"]}
    assert list(stats) == [qid for qid, _ in blanks]
    assert stats[blanks[0][0]]["difficulty"] == 1.0
    assert (stats[qid]["students"], stats[qid]["right"], stats[qid]["difficulty"]) == (2, 1, 0.5)
    assert stats[qid]["common_wrong"] == [{"answer": None, "mistake": blank.distractors[0].mistake, "count": 1}]
    assert blank.distractors[0].mistake in {m["mistake"] for m in summary["mistakes"]}


def test_extra_columns_any_order_bom_and_semicolons(worksheet, tmp_path):
    key, problems = worksheet
    rows = [(typed, "x", qid, sid) for sid, qid, typed in _all_right("ana", problems)]
    path = tmp_path / "excel.csv"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Answer", "Comment", "Question ID", "Student_ID"])
    writer.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    assert check(key, path).students[0].score == 100.0


# ---------------------------------------------------------------- which step the feedback shows


def test_feedback_steps_come_from_step_quantities_and_values(tmp_path):
    # A summary table with a BatchNormalization layer: its Param # has three steps.
    problem, blank = next(
        (p, b) for seed in range(200)
        for p in [generate("summary_table", random.Random(seed), "advanced", "p1")]
        for b in p.blanks if b.field == "params" and len(b.steps) == 3
    )
    shape = next(b for b in problem.blanks if b.kind == "shape" and len(b.answer.split("x")) == 3
                 and any(s.quantity == "output_channels" for s in b.steps))
    h, w, c = (int(v) for v in shape.answer.split("x"))
    trainable = blank.steps[0].value
    assert blank.steps[0].quantity == "trainable"
    key = _write_worksheet_key(tmp_path / "key.json", (problem,))
    rows = [
        ("channels", f"p1.{shape.id}", f"{h}x{w}x{c + 7919}"),
        ("short", f"p1.{shape.id}", f"{h}x{w}"),
        ("trainable", f"p1.{blank.id}", str(trainable)),
    ]
    results = {s.id: s.questions for s in check(key, _write_answers(tmp_path / "a.csv", rows)).students}
    by_qid = {name: {q.question_id: q for q in qs} for name, qs in results.items()}
    channels = by_qid["channels"][f"p1.{shape.id}"]
    assert [s.quantity.value for s in channels.steps] == ["output_channels"]
    short = by_qid["short"][f"p1.{shape.id}"]
    assert "2 axes" in short.note and [s.text for s in short.steps] == [shape.steps[-1].text]
    stopped = by_qid["trainable"][f"p1.{blank.id}"]
    assert "earlier step" in stopped.note and blank.steps[0].text in stopped.note
    assert [s.text for s in stopped.steps] == [blank.steps[2].text]


def test_feedback_does_not_read_step_text(tmp_path):
    """Rewording a step changes nothing but the words shown: feedback follows the fields."""
    problem = next(
        p for seed in range(200) for p in [generate("layer_shape", random.Random(seed), "standard", "p1")]
        if len(p.blanks[0].answer.split("x")) == 3
    )
    blank = problem.blanks[0]
    blank = replace(blank, steps=tuple(replace(s, text=f"reworded: {s.quantity.value}") for s in blank.steps))
    problem = replace(problem, blanks=(blank, *problem.blanks[1:]))
    h, w, c = (int(v) for v in blank.answer.split("x"))
    key = _write_worksheet_key(tmp_path / "key.json", (problem,))
    answers = _write_answers(tmp_path / "a.csv", [("ana", f"p1.{blank.id}", f"{h}x{w}x{c + 7919}")])
    (result,) = check(key, answers).students[0].questions
    assert [s.text for s in result.steps] == ["reworded: output_channels"]


def test_choice_feedback_names_the_option_and_the_conclusion(tmp_path):
    problem, blank = next(
        (p, b) for seed in range(200)
        for p in [generate("inverse", random.Random(seed), "standard", "p1")]
        for b in p.blanks if b.kind == "choice" and b.distractors
    )
    key = _write_worksheet_key(tmp_path / "key.json", (problem,))
    wrong = blank.distractors[0].answer
    answers = _write_answers(tmp_path / "a.csv", [("ana", f"p1.{blank.id}", wrong.upper())])
    (result,) = check(key, answers).students[0].questions
    assert result.mistake == blank.distractors[0].mistake
    assert result.steps[0].option == wrong and result.steps[0].text.startswith(f"with '{wrong}'")
    assert result.steps[-1].text == blank.steps[-1].text


# ---------------------------------------------------------------- bad files


def _garbage(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _exam_row(students: tuple[Paper, ...], i: int = 0) -> tuple[str, str, str]:
    qid, b = _blanks(students[i].problems)[0]
    return students[i].id, qid, _typed(b)


BAD_ANSWERS = {
    "missing column": (lambda p, s: _write_answers(p, [("s001", "x")], header="student_id,answer"),
                       [r"missing column question_id"]),
    "unknown student": (lambda p, s: _write_answers(p, [_exam_row(s), ("s999", _exam_row(s)[1], "1")]),
                        [r"line 3", r"unknown student 's999'"]),
    "unknown variant code": (lambda p, s: _write_answers(p, [_exam_row(s), ("ZZZ-000", _exam_row(s)[1], "1")]),
                             [r"line 3", r"unknown student 'ZZZ-000'"]),
    "unknown question": (lambda p, s: _write_answers(p, [_exam_row(s), _exam_row(s, 1), ("s001", "q99.shape", "1")]),
                         [r"line 4", r"unknown question id 'q99\.shape'"]),
    "no question matches": (lambda p, s: _write_answers(p, [("s001", "p1.l0_shape", "1"), ("s002", "p2.shape", "2")]),
                            [r"does not match", r"none of its question ids"]),
    "no student matches": (lambda p, s: _write_answers(p, [("ana", _exam_row(s)[1], "1")]),
                           [r"does not match", r"none of its student ids \(ana\)"]),
    "duplicate row": (lambda p, s: _write_answers(p, [_exam_row(s), _exam_row(s, 1), _exam_row(s)]),
                      [r"line 4", r"second answer from student s001", r"first is on line 2"]),
    "duplicate via variant code": (
        lambda p, s: _write_answers(p, [_exam_row(s), (s[0].variant, *_exam_row(s)[1:])]),
        [r"line 3", r"second answer from student s001"]),
    "not utf-8": (lambda p, s: _garbage(p, b"student_id,question_id,answer\ns001,q1.shape,\xff\xfe\n"),
                  [r"not UTF-8 text \(byte 0xff"]),
    "binary": (lambda p, s: _garbage(p, bytes(range(0, 32)) * 4), [r"binary data"]),
    "xlsx": (lambda p, s: _garbage(p, b"PK\x03\x04\x14\x00\x06\x00rest-of-a-workbook"), [r"zip archive"]),
    "not csv": (lambda p, s: _garbage(p, b'student_id,question_id,answer\ns001,"q1.shape,1\n'),
                [r"line \d+: not valid CSV"]),
    "empty": (lambda p, s: _garbage(p, b""), [r"is empty"]),
    "header only": (lambda p, s: _write_answers(p, []), [r"no answer rows"]),
    "empty student id": (lambda p, s: _write_answers(p, [_exam_row(s), ("", _exam_row(s)[1], "1")]),
                         [r"line 3: empty student_id"]),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
def test_bad_answer_files_raise_one_line_and_write_nothing(case, exam, tmp_path):
    key, students = exam
    make, patterns = BAD_ANSWERS[case]
    answers = make(tmp_path / "answers.csv", students)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = cli("check", "--key", str(key), str(answers), "--format", "csv", "--out", str(out_dir / "grades.csv"))
    message = one_line_error(code, err)
    assert out == "" and "answers.csv" in message
    for pattern in patterns:
        assert re.search(pattern, message), message
    assert list(out_dir.iterdir()) == []
    with pytest.raises(UserError) as info:  # the library's message is one line before the CLI joins it
        check(key, answers)
    assert "\n" not in str(info.value)


# Malformed keys are written as raw JSON bytes: writing them is the point, and the typed model
# cannot express most of them.
BAD_KEYS = {
    "not a key": (b'{"title": "x", "questions": []}', [r"not a key", r"'problems' \(worksheet key\)", r"'questions'"]),
    "a list": (b"[1, 2]", [r"not a key", r"got a JSON list"]),
    "two kinds": (b'{"problems": [], "students": []}', [r"has both 'problems' and 'students'"]),
    "not json": (b"title: midterm\nstudents: []\n", [r"not a JSON key file"]),
    "not utf-8": (b'{"title": "\xff"}', [r"not UTF-8"]),
    "empty": (b"  \n", [r"the key is empty"]),
    "no problems": (b'{"students": [{"id": "s001", "problems": []}]}',
                    [r"students\[0\]\.problems must be a non-empty list"]),
    "bad blank": (b'{"problems": [{"id": "p1", "blanks": [{"id": "b1", "kind": "colour", "accepted": ["red"]}]}]}',
                  [r"problems\[0\]\.blanks\[0\] \(blank b1\) has kind 'colour'"]),
    "same variant twice": (None, [r"variant code 'K7Q2MX' names both student s001 and student s002"]),
}


@pytest.mark.parametrize("case", list(BAD_KEYS))
def test_bad_keys_raise_one_line_and_write_nothing(case, exam, exam_master, tmp_path):
    _, students = exam
    data, patterns = BAD_KEYS[case]
    key = tmp_path / "key.json"
    if data is None:  # two papers printed with one variant code
        twins = (replace(students[0], variant="K7Q-2MX"), replace(students[1], variant="K7Q-2MX"))
        data = Key(KeyKind.MASTER, exam_master.title, twins, seed=exam_master.seed).to_json().encode()
    key.write_bytes(data)
    answers = _write_answers(tmp_path / "answers.csv", [_exam_row(students)])
    out = tmp_path / "grades.json"
    code, printed, err = cli("check", "--key", str(key), str(answers), "--format", "json", "--out", str(out))
    message = one_line_error(code, err)
    assert printed == "" and "key.json" in message
    for pattern in patterns:
        assert re.search(pattern, message), message
    assert not out.exists()
    with pytest.raises(UserError) as info:  # the library's message is one line before the CLI joins it
        Key.load(key)
    assert "\n" not in str(info.value)


def test_out_replaces_atomically_and_never_overwrites_an_input(worksheet, tmp_path):
    key, problems = worksheet
    answers = _write_answers(tmp_path / "answers.csv", _all_right("ana", problems))
    out = tmp_path / "report.txt"
    out.write_text("old report", encoding="utf-8")
    assert cli("check", "--key", str(key), str(answers), "--out", str(out)) == (0, "", "")
    code, printed, err = cli("check", "--key", str(key), str(answers))
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == printed
    assert out.read_text(encoding="utf-8") == format_report(check(key, answers), "text")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.csv", "key.json", "report.txt"]
    before = answers.read_bytes()
    code, _, err = cli("check", "--key", str(key), str(answers), "--format", "csv", "--out", str(answers))
    assert "is an input file" in one_line_error(code, err)
    assert answers.read_bytes() == before
    code, _, err = cli("check", "--key", str(key), str(answers), "--out", str(tmp_path / "missing" / "r.txt"))
    assert "no such folder" in one_line_error(code, err)


def test_key_problem_ids_address_questions(worksheet):
    key, problems = worksheet
    loaded = Key.load(key)
    assert loaded.kind is KeyKind.WORKSHEET and loaded.title == "Worksheet 3" and loaded.seed == 11
    assert tuple(qid for qid, _, _ in loaded.papers[0].questions()) == tuple(qid for qid, _ in _blanks(problems))


def test_wired_cli_prints_one_line_without_traceback(exam, tmp_path):
    """Through ``python -m generator``, where ``generator.cli`` registers ``generator.cli.check``."""
    key, students = exam
    answers = _write_answers(tmp_path / "answers.csv", [_exam_row(students), ("s404", _exam_row(students)[1], "1")])
    out = tmp_path / "grades.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--key", str(key), str(answers), "--format", "csv",
         "--out", str(out)],
        capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"error: {answers} line 3: unknown student 's404'")
    assert not out.exists()
