"""``exam --lms pools``: Moodle question pools, one category per exam slot holding every
student's variant of the slot, read back as Moodle's importer files them
(:func:`lms_readers.moodle_categories`), and Canvas question groups, one per slot, read back as
Canvas' importer reads them (:func:`lms_readers.qti_pool_groups`, :func:`lms_readers.fimb_blanks`);
expectations come from the key's computed answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.errors import UserError
from generator.exports import (
    FILENAMES,
    POOL_FILENAMES,
    LmsMode,
    canvas_pool_zip,
    moodle_pool_xml,
    moodle_xml,
    write_exports,
)
from generator.exports.content import category_path
from generator.key import Key
from helpers import covering_key, exam_key
from lms_readers import (
    QTI,
    expected_boxes,
    fimb_blanks,
    label,
    moodle_categories,
    moodle_text,
    qti_field,
    qti_pool_groups,
)


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
    """Apart from its idnumber and the reference its text ends with (which names its grading id
    and variant for a response export), each pooled question is the one of the per-student file."""
    per_student = {moodle_text(q, "name/text"): q for qs in moodle_categories(moodle_xml(master)).values() for q in qs}
    for questions in moodle_categories(moodle_pool_xml(master)).values():
        for q in questions:
            twin = per_student[moodle_text(q, "name/text")]
            slot, variant = moodle_text(q, "idnumber").split()
            assert moodle_text(q, "questiontext/text") == (
                moodle_text(twin, "questiontext/text") + f"\n<p><small>Question reference: {slot} {variant}</small></p>")
            assert moodle_text(q, "defaultgrade") == moodle_text(twin, "defaultgrade")


def test_modes_write_the_right_files_and_default_is_unchanged(master, tmp_path):
    default = write_exports(master, tmp_path / "a")
    assert [p.name for p in default] == list(FILENAMES.values())
    same = write_exports(master, tmp_path / "b", lms=LmsMode.PER_STUDENT)
    assert [p.read_bytes() for p in same] == [p.read_bytes() for p in default]
    pools = write_exports(master, tmp_path / "c", lms="pools")
    assert [p.name for p in pools] == ["moodle_pools.xml", "canvas_pools_qti.zip"]
    both = write_exports(master, tmp_path / "d", lms="both")
    assert [p.name for p in both] == [*FILENAMES.values(), *POOL_FILENAMES.values()]
    assert both[-2].read_bytes() == pools[0].read_bytes() == moodle_pool_xml(master)
    assert both[-1].read_bytes() == pools[1].read_bytes() == canvas_pool_zip(master)


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
    assert sorted(p.name for p in lms.iterdir()) == sorted([*FILENAMES.values(), *POOL_FILENAMES.values()])
    assert "lms/canvas_pools_qti.zip" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "lms/moodle_pools.xml" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- Canvas


def _boxes_in_order(problem) -> list[set[str]]:
    """The accepted texts of each Canvas blank of a problem: one per shape axis, one per other blank."""
    return list(expected_boxes(problem).values())


def test_canvas_every_variant_is_in_its_slot_group_once(master):
    groups = qti_pool_groups(canvas_pool_zip(master))
    assert len(groups) == len(master.papers[0].problems)
    for index, group in enumerate(groups):
        problem_id = master.papers[0].problems[index].id
        assert group.title == f"slot {index + 1} ({problem_id})"
        assert group.pick == 1
        assert group.points == master.papers[0].problems[index].worth
        titles = [item.get("title") for item in group.items]
        assert titles == [f"{label(p)} {p.problems[index].id}: {p.problems[index].title}" for p in master.papers]
        assert {float(qti_field(item, "points_possible")) for item in group.items} == {group.points}
    idents = [item.get("ident") for g in groups for item in g.items]
    assert len(set(idents)) == len(idents)


def test_canvas_every_blank_accepts_the_keys_answers_and_scores_add_to_100(master):
    for index, group in enumerate(qti_pool_groups(canvas_pool_zip(master))):
        for paper, item in zip(master.papers, group.items, strict=True):
            blanks = fimb_blanks(item)
            assert list(blanks) == [f"b{i}" for i in range(1, len(blanks) + 1)]
            assert [accepted for accepted, _ in blanks.values()] == _boxes_in_order(paper.problems[index])
            assert round(sum(share for _, share in blanks.values()), 6) == 100
            assert "digits only" in (item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext") or "")


def test_canvas_pools_are_byte_identical_and_written_by_the_modes(master, tmp_path):
    data = canvas_pool_zip(master)
    assert data == canvas_pool_zip(Key.from_data(json.loads(master.to_json()), "k"))
    pools = write_exports(master, tmp_path / "p", formats=["qti"], lms="pools")
    assert [p.name for p in pools] == ["canvas_pools_qti.zip"] and pools[0].read_bytes() == data
    with pytest.raises(UserError, match="master key"):
        canvas_pool_zip(_worksheet())


def test_canvas_pools_cover_every_kind_of_blank_and_hostile_names():
    """A choice blank (typed as text, its options listed), an int blank with several right
    answers (each a label), shapes and tables, under hostile names and title."""
    key = covering_key()
    groups = qti_pool_groups(canvas_pool_zip(key))
    assert len(groups) == len(key.papers[0].problems)
    kinds = set()
    for index, group in enumerate(groups):
        assert group.pick == 1 and group.points == key.papers[0].problems[index].worth
        for paper, item in zip(key.papers, group.items, strict=True):
            problem = paper.problems[index]
            kinds |= {b.kind for b in problem.blanks}
            assert item.get("title") == f"{label(paper)} {problem.id}: {problem.title}"
            blanks = fimb_blanks(item)
            assert [accepted for accepted, _ in blanks.values()] == list(expected_boxes(problem).values())
            assert round(sum(share for _, share in blanks.values()), 6) == 100
    assert kinds == {"shape", "int", "choice"}
    assert any(len(accepted) > 1 for g in groups for item in g.items for accepted, _ in fimb_blanks(item).values())
