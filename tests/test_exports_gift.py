"""The GIFT export of the covering master key, read back with the escaping rules of Moodle's
``question/format/gift/format.php`` and compared with the key."""

from __future__ import annotations

import re

from generator.answers import display
from generator.key import Key
from generator.render import markdown_to_html
from helpers import HOSTILE_TITLE
from lms_readers import (
    choice_qids,
    expected_boxes,
    find_blank,
    gift_options,
    gift_pre,
    label,
    mistake_of,
    moodle_questions,
    moodle_text,
    parse_gift,
)


def _gift_numbers(answers: str) -> list[tuple[str, str]]:
    assert answers.startswith("#")
    parts = [p.strip() for p in answers[1:].split("=") if p.strip()]
    return [tuple(p.split(":")) for p in parts]  # type: ignore[misc]


def test_gift_numbers_match_the_key(master: Key, gift_text: str) -> None:
    questions = parse_gift(gift_text)
    for index, student in enumerate(master.papers):
        typed = [q for q in questions if q.category.endswith(label(student))]
        expected = {k: v for p in student.problems for k, v in expected_boxes(p).items()}
        keys = [q.name.removeprefix(f"{label(student)} ") for q in typed]
        assert keys == list(expected)
        for q, key in zip(typed, keys, strict=True):
            problem, blank = find_blank(master, index, key.split("[")[0])
            assert q.text.startswith("[html]" + markdown_to_html(problem.prompt))
            if blank.kind == "choice":
                options = gift_options(q.answers)
                assert [t for right, t, _ in options if right] == [display(blank.answer, "choice")]
                continue
            numbers = _gift_numbers(q.answers)
            assert {value for value, _ in numbers} == expected[key]
            assert all(tolerance == "0" for _, tolerance in numbers)
            if len(expected[key]) > 1:
                assert q.answers.startswith("#=") and q.answers.count("=") == len(expected[key])


def test_gift_multiple_choice(master: Key, gift_text: str) -> None:
    questions = parse_gift(gift_text)
    for index, student in enumerate(master.papers):
        choices = [q for q in questions if q.category.endswith(f"{label(student)}/multiple choice")]
        assert len(choices) == len(choice_qids(master, student))
        for q in choices:
            qid = q.name.removeprefix(f"{label(student)} ").removesuffix(" (multiple choice)")
            _, blank = find_blank(master, index, qid)
            options = gift_options(q.answers)
            right = [text for is_right, text, _ in options if is_right]
            assert right == [display(blank.answer, blank.kind)]
            for is_right, text, feedback in options:
                if not is_right:
                    assert text != right[0]
                    assert mistake_of(blank, text) in feedback


def test_gift_escapes_names_and_prompts(master: Key, gift_text: str, moodle: bytes) -> None:
    questions = parse_gift(gift_text)
    assert len(questions) == sum(len(expected_boxes(p)) for p in master.problems) + sum(
        len(choice_qids(master, paper)) for paper in master.papers)
    for line in gift_text.splitlines():
        if line.startswith("::"):
            body = gift_pre(line)
            name_end = body.index("::", 2)
            text = body[name_end + 2:body.index("{")]
            assert ":" not in body[2:name_end]
            assert not re.search(r"[=~#{}:]", text), "a reserved character left unescaped"
            assert body.count("{") == 1 and body.count("}") == 1
    categories = list(dict.fromkeys(q.category for q in questions))
    assert categories == [
        moodle_text(q, "category/text") for q in moodle_questions(moodle) if q.get("type") == "category"
    ]
    assert all(HOSTILE_TITLE in c.replace("//", "/") for c in categories)
    for student in master.papers:
        comment = f"({' '.join(student.name.split())})"
        assert any(line.startswith("//") and comment in line for line in gift_text.splitlines())
    assert any('padding="' in q.text for q in questions)
    assert "Łukasz 李雷" in gift_text
