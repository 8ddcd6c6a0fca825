"""``check`` on LMS response exports of a pooled exam: Canvas' Student Analysis CSV and Moodle's
Responses download, written here as those systems write them (see :mod:`generator.grading`)
from the pool files themselves: the question text each LMS keeps, its boxes in the order the
item lays them out, the right texts the item accepts. Expectations come from the key."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.analysis import analyze_files
from generator.answers import display
from generator.errors import UserError
from generator.exports import canvas_pool_zip, moodle_pool_xml
from generator.grading import Status, check, format_report
from generator.key import Key
from generator.roster import Student
from helpers import cli, exam_key, one_line_error
from lms_readers import QTI, fimb_blanks, moodle_categories, moodle_text, qti_pool_groups


@pytest.fixture(scope="module")
def master() -> Key:
    roster = [Student(f"s{i:03d}", f"Student {i}", email=f"s{i}@uni.example", sis_user_id=f"SIS{i}")
              for i in range(4)]
    return exam_key(roster, 11)


def _strip_tags(text: str) -> str:
    """Canvas' ``HtmlTextHelper.strip_tags``: tags removed, numeric entities decoded, named
    ones dropped."""
    text = re.sub(r"</?[^<>\n]*>?", "", text)
    text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
    return re.sub(r"&\w+;", "", text)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _draw(student: int, slot: int, count: int) -> int:
    """Which variant of a slot an LMS student drew: not their own paper's, and each slot another."""
    return (student + slot + 1) % count


def canvas_export(key: Key, wrong: tuple[int, int] | None = None) -> tuple[str, dict[int, list[int]]]:
    """A Student Analysis CSV of the pooled quiz: every student answers every box right, except
    box 0 of (student, slot) ``wrong``; returns the file and each student's drawn variants."""
    groups = qti_pool_groups(canvas_pool_zip(key))
    items = [(g, i, item) for g, group in enumerate(groups) for i, item in enumerate(group.items)]
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted"]
    for n, (_, _, item) in enumerate(items):
        body = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext") or ""
        header += [f"{9000 + n}: {_strip_tags(body)}", "1.0"]
    header += ["n correct", "n incorrect", "score"]
    rows, drawn = [header], {}
    for s, paper in enumerate(key.papers):
        row = [paper.name, str(100 + s), f"SIS{s}", "", "", "", "2026-12-07 10:00:00 UTC"]
        drawn[s] = [_draw(s, g, len(group.items)) for g, group in enumerate(groups)]
        for g, i, item in items:
            if drawn[s][g] != i:
                row += ["", ""]
                continue
            right = [sorted(accepted)[0] for accepted, _ in fimb_blanks(item).values()]
            if wrong == (s, g):
                right[0] = str(int(right[0]) + 7)
            row += [",".join(v.replace(",", "\\,") for v in right), "1.0"]
        rows.append([*row, "0", "0", "0"])
    return _csv(rows), drawn


def _moodle_right(question: ET.Element) -> tuple[str, list[str]]:
    """(the question summary Moodle shows, the right text of each part in order)."""
    text = moodle_text(question, "questiontext/text")
    if question.get("type") == "cloze":
        fields = re.findall(r"\{\d+:(\w+):([^}]*)\}", text)
        right = [re.search(r"=([^:#~]*)", body).group(1) for _, body in fields]  # type: ignore[union-attr]
        summary = re.sub(r"\{\d+:\w+:[^}]*\}", "_____", text)
    else:
        right = [next(a.findtext("text") or "" for a in question.findall("answer") if a.get("fraction") == "100")]
        summary = text
    return re.sub(r"<[^>]+>", " ", summary), [_strip_tags(r) for r in right]


def moodle_export(key: Key, wrong: tuple[int, int] | None = None, identity: str = "Email address") -> str:
    """A Responses download (Question text and Response ticked) of the pooled quiz, answered
    right except the first part of (student, slot) ``wrong``."""
    pools = list(moodle_categories(moodle_pool_xml(key)).values())
    header = ["Last name", "First name", identity, "State", "Started on", "Completed", "Time taken", "Grade/9.00"]
    for n in range(1, len(pools) + 1):
        header += [f"Question {n}", f"Response {n}"]
    rows = [header]
    for s, paper in enumerate(key.papers):
        ident = f"s{s}@uni.example" if identity == "Email address" else paper.id
        row = [f"Last{s}", f"First{s}", ident, "Finished", "7 December 2026 10:00 AM", "", "20 mins", "9.00"]
        for g, questions in enumerate(pools):
            summary, right = _moodle_right(questions[_draw(s, g, len(questions))])
            if wrong == (s, g):
                right[0] = str(int(right[0]) + 7) if right[0].isdigit() else "valid"
            response = right[0] if len(right) == 1 else "; ".join(f"part {i}: {v}" for i, v in enumerate(right, 1))
            row += [summary, response]
        rows.append(row)
    rows.append(["Overall average", "", "", "", "", "", "", "9.00", *[""] * (2 * len(pools))])
    return "\ufeff" + _csv(rows)


def _graded(tmp_path: Path, key: Key, text: str):
    (tmp_path / "key.json").write_text(key.to_json(), encoding="utf-8")
    (tmp_path / "lms.csv").write_text(text, encoding="utf-8")
    return check(tmp_path / "key.json", tmp_path / "lms.csv")


@pytest.mark.parametrize("lms", ["canvas", "moodle"])
def test_each_student_is_graded_against_the_variants_they_drew(tmp_path, master, lms):
    text = canvas_export(master, wrong=(1, 2))[0] if lms == "canvas" else moodle_export(master, wrong=(1, 2))
    report = _graded(tmp_path, master, text)
    assert [s.id for s in report.students] == [p.id for p in master.papers]  # matched to the roster by SIS id / email
    slots = [p.id for p in master.papers[0].problems]
    for s, student in enumerate(report.students):
        wrong = [q.question_id for q in student.questions if q.status is not Status.RIGHT]
        assert len(wrong) == (s == 1) and all(w.startswith(f"{slots[2]}.") for w in wrong), (s, wrong)
        # Graded against the variant drawn (another student's paper), never the student's own.
        drawn = {f"{p.id}.{b.id}": display(b.answer, b.kind)
                 for g, _ in enumerate(slots) for p in (master.papers[_draw(s, g, len(master.papers))].problems[g],)
                 for b in p.blanks}
        own = {f"{p.id}.{b.id}": display(b.answer, b.kind) for p in master.papers[s].problems for b in p.blanks}
        assert {q.question_id: q.correct for q in student.questions} == drawn != own


def test_canvas_student_outside_the_roster_keeps_the_lms_id(tmp_path, master):
    text, _ = canvas_export(master)
    text = text.replace("SIS0,", "SIS999,", 1)
    report = _graded(tmp_path, master, text)
    assert report.students[0].id == "100" and report.students[0].score == 100


def test_moodle_unanswered_and_id_number(tmp_path, master):
    text = moodle_export(master, identity="ID number")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows[1][9] = "-"  # student 0 left question 1 empty
    report = _graded(tmp_path, master, _csv(rows))
    first = report.students[0]
    assert first.id == master.papers[0].id
    slot = master.papers[0].problems[0].id
    assert all(q.status is Status.UNANSWERED for q in first.questions if q.question_id.startswith(slot + "."))
    assert all(q.status is Status.RIGHT for s in report.students[1:] for q in s.questions)
    assert "Overall average" not in format_report(report, "text")


def test_analysis_of_an_lms_export(tmp_path, master):
    text, _ = canvas_export(master, wrong=(0, 0))
    (tmp_path / "key.json").write_text(master.to_json(), encoding="utf-8")
    (tmp_path / "lms.csv").write_text(text, encoding="utf-8")
    report, out = analyze_files(tmp_path / "key.json", tmp_path / "lms.csv", tmp_path / "analysis")
    assert len(report.students) == 4 and (out / "analysis.html").is_file()


def test_bad_lms_exports_are_one_line_errors(tmp_path, master):
    (tmp_path / "key.json").write_text(master.to_json(), encoding="utf-8")
    text, _ = canvas_export(master)
    cases = {
        "no reference": re.sub(r"Question reference: \S+ \S+", "", text),
        "foreign variant": re.sub(r"(Question reference: \S+) \S+", r"\1 ZZZ-ZZZ", text, count=1),
        "moodle without question text": "Last name,First name,Email address,Response 1\nA,B,c@x,26\n",
    }
    rows = list(csv.reader(io.StringIO(text)))
    first = next(i for i, c in enumerate(rows[1]) if "," in c and i > 6)
    rows[1][first] = rows[1][first].rsplit(",", 1)[0]
    cases["box count"] = _csv(rows)
    rows = list(csv.reader(io.StringIO(text)))
    rows.append(rows[1])
    cases["twice"] = _csv(rows)
    for name, body in cases.items():
        (tmp_path / "lms.csv").write_text(body, encoding="utf-8")
        with pytest.raises(UserError) as info:
            check(tmp_path / "key.json", tmp_path / "lms.csv")
        assert "\n" not in str(info.value) and "lms.csv" in str(info.value), name
        code, _, err = cli("check", "--key", str(tmp_path / "key.json"), str(tmp_path / "lms.csv"))
        one_line_error(code, err)
