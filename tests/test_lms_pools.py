"""``exam --lms pools``: Moodle question pools, one category per exam slot holding every
student's variant of the slot, read back as Moodle's importer files them
(:func:`lms_readers.moodle_categories`); expectations come from the key's computed answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.errors import UserError
from generator.exports import FILENAMES, LmsMode, moodle_pool_xml, moodle_xml, write_exports
from generator.exports.content import category_path
from generator.key import Key
from helpers import exam_key
from lms_readers import expected_boxes, label, moodle_categories, moodle_text


@pytest.fixture(scope="module")
def master() -> Key:
    return exam_key(4, 11)


def _fields(text: str) -> list[set[str]]:
    """The right answers of each NUMERICAL field (or numerical question) of a cloze text."""
    return [{m.group(1) for m in re.finditer(r"=(\d+):0", field)}
            for field in re.findall(r"\{\d+:NUMERICAL:([^}]*)\}", text)]


def test_every_variant_is_in_its_slot_once_with_equal_points(master):
    pools = moodle_categories(moodle_pool_xml(master))
    slots = len(master.papers[0].problems)
    assert len(pools) == slots
    for index, (path, questions) in enumerate(pools.items()):
        problem_id = master.papers[0].problems[index].id
        assert path == category_path(master.title, "pools", f"slot {index + 1} ({problem_id})")
        names = [moodle_text(q, "name/text") for q in questions]
        assert names == [f"{label(p)} {p.problems[index].id}: {p.problems[index].title}" for p in master.papers]
        ids = [moodle_text(q, "idnumber") for q in questions]
        assert ids == [f"{problem_id} {p.variant}" for p in master.papers] and len(set(ids)) == len(ids)
        grades = {float(moodle_text(q, "defaultgrade")) for q in questions}
        assert grades == {master.papers[0].problems[index].worth}


def test_pooled_answers_are_right(master):
    pools = moodle_categories(moodle_pool_xml(master))
    for index, questions in enumerate(pools.values()):
        for paper, question in zip(master.papers, questions, strict=True):
            problem = paper.problems[index]
            expected = expected_boxes(problem)
            if question.get("type") == "numerical":
                (right,) = expected.values()
                assert {moodle_text(a, "text") for a in question.findall("answer")} == right
            elif question.get("type") == "cloze":
                ints = [v for v in expected.values() if all(x.isdigit() for x in v)]  # choices are MULTICHOICE
                assert sorted(map(sorted, _fields(moodle_text(question, "questiontext/text")))) == sorted(map(sorted, ints))
            else:
                assert question.get("type") == "multichoice"
                right = [moodle_text(a, "text") for a in question.findall("answer") if a.get("fraction") == "100"]
                assert len(right) == 1


def test_pooled_question_is_the_per_student_question(master):
    """Apart from its idnumber, each pooled question is the one of the per-student file."""
    per_student = {moodle_text(q, "name/text"): q for qs in moodle_categories(moodle_xml(master)).values() for q in qs}
    for questions in moodle_categories(moodle_pool_xml(master)).values():
        for q in questions:
            twin = per_student[moodle_text(q, "name/text")]
            assert moodle_text(q, "questiontext/text") == moodle_text(twin, "questiontext/text")
            assert moodle_text(q, "defaultgrade") == moodle_text(twin, "defaultgrade")


def test_modes_write_the_right_files_and_default_is_unchanged(master, tmp_path):
    default = write_exports(master, tmp_path / "a")
    assert [p.name for p in default] == list(FILENAMES.values())
    same = write_exports(master, tmp_path / "b", lms=LmsMode.PER_STUDENT)
    assert [p.read_bytes() for p in same] == [p.read_bytes() for p in default]
    pools = write_exports(master, tmp_path / "c", lms="pools")
    assert [p.name for p in pools] == ["moodle_pools.xml"]
    both = write_exports(master, tmp_path / "d", lms="both")
    assert [p.name for p in both] == [*FILENAMES.values(), "moodle_pools.xml"]
    assert both[-1].read_bytes() == pools[0].read_bytes() == moodle_pool_xml(master)


def test_pools_are_byte_identical_for_the_same_key(master):
    assert moodle_pool_xml(master) == moodle_pool_xml(Key.from_data(json.loads(master.to_json()), "k"))


def test_pools_need_a_master_key():
    with pytest.raises(UserError, match="master key"):
        moodle_pool_xml(_worksheet())


def _worksheet() -> Key:
    import random

    from generator.key import KeyKind, Paper
    from generator.problems import generate

    return Key(KeyKind.WORKSHEET, "w", (Paper.shared((generate("layer_params", random.Random(1), "standard", "p1"),)),))


def test_exam_cli_lms_option(tmp_path, run_cli):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name\ns1,Ann\ns2,Bo\n", encoding="utf-8")
    code, _, err = run_cli("exam", "--roster", str(roster), "--seed", "3", "--out", str(tmp_path / "out"),
                           "--no-verify", "--lms", "both")
    assert code == 0, err
    lms = Path(tmp_path / "out" / "lms")
    assert sorted(p.name for p in lms.iterdir()) == sorted([*FILENAMES.values(), "moodle_pools.xml"])
    assert "lms/moodle_pools.xml" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
