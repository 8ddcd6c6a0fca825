"""LMS exports (Moodle XML, GIFT, Canvas QTI 1.2) of an exam master key: what the three formats
share. Each format is read back and compared with the key in its own file
(``test_exports_moodle.py``, ``test_exports_gift.py``, ``test_exports_qti.py``).

The master key is :func:`helpers.covering_key` (the ``master`` fixture of ``conftest.py``, with
its exports ``moodle``, ``gift_text`` and ``qti``): generated problems, every expected answer
read from the key's computed blanks, never typed here.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.answers import display
from generator.errors import UserError
from generator.exports import FILENAMES, ExportFormat, gift, moodle_xml, qti_zip, write_exports
from generator.exports.content import by_paper, variant_salt
from generator.key import Key, KeyKind, Paper
from lms_readers import (
    QTI,
    choice_qids,
    find_blank,
    gift_options,
    label,
    moodle_questions,
    moodle_text,
    parse_gift,
    qti_assessments,
)


def test_fixture_covers_every_case(master: Key) -> None:
    blanks = [b for p in master.problems for b in p.blanks]
    assert {b.kind for b in blanks} == {"shape", "int", "choice"}
    assert any(len(b.accepted) > 1 for b in blanks)
    assert {len(b.answer.split("x")) for b in blanks if b.kind == "shape"} >= {1, 3}


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
    in_moodle = {
        moodle_text(q, "name/text").removesuffix(" (multiple choice)"):
            [html.unescape(moodle_text(a, "text")) for a in q.findall("answer")]
        for q in moodle_questions(moodle) if q.findtext("name/text", "").endswith(" (multiple choice)")
    }
    in_gift = {q.name.removesuffix(" (multiple choice)"): [text for _, text, _ in gift_options(q.answers)]
               for q in parse_gift(gift_text) if q.name.endswith(" (multiple choice)")}
    in_qti = {}
    for paper, assessment in zip(master.papers, list(qti_assessments(qti).values())[1::2], strict=True):
        for item in assessment.iter(f"{QTI}item"):
            options = item.iter(f"{QTI}response_label")
            in_qti[f"{label(paper)} {item.get('title')}"] = [option.findtext(f".//{QTI}mattext") for option in options]
    return {"moodle": in_moodle, "gift": in_gift, "qti": in_qti}


def test_every_format_orders_the_options_alike(master: Key, moodle: bytes, gift_text: str, qti: bytes) -> None:
    """One salt per student (exam seed and id): the same option order in every format, and an
    order that is not always the right answer first."""
    options = _options(master, moodle, gift_text, qti)
    assert options["moodle"] == options["gift"] == options["qti"]
    assert len(options["qti"]) == sum(len(choice_qids(master, paper)) for paper in master.papers) > 20
    firsts = [texts[0] for texts in options["qti"].values()]
    rights = []
    for index, paper in enumerate(master.papers):
        for qid in choice_qids(master, paper):
            _, blank = find_blank(master, index, qid)
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
