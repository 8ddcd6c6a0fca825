"""The exam part of ``bench``: building a whole class's exam folder, without Keras."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from generator.exam import build_exam


def exam_build_seconds(students: int, seed: int) -> float:
    """Seconds to build the exam folder (variants, keys, HTML, LMS exports) for ``students``
    students with the shipped exam config and no verification, as the ``exam`` command does
    (a large class's documents rendered by one process per core)."""
    config = Path(__file__).resolve().parent.parent / "configs" / "exam.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text("id,name\n" + "".join(f"s{i:04d},Student {i}\n" for i in range(students)), encoding="utf-8")
        start = time.perf_counter()
        build_exam(roster, seed, Path(tmp) / "exam", config if config.is_file() else None, verify=False, workers=None)
        return time.perf_counter() - start


def check_seconds(students: int, seed: int, analyze: bool = False) -> tuple[int, float]:
    """Grading a class with ``check``: a master key for ``students`` students of the shipped exam
    config (built without documents) and an answer file with a row per blank, about a fifth of
    them wrong; returns (answer rows, seconds to load, grade and format the text report). With
    ``analyze``, the seconds of ``analyze`` instead (grading, the item analysis, its page and
    table written to a folder)."""
    import csv
    import gc
    import random

    from generator.configs import load_exam_config
    from generator.exam import build_master
    from generator.grading import check, format_report
    from generator.roster import Student

    config = Path(__file__).resolve().parent.parent / "configs" / "exam.yaml"
    master = build_master(load_exam_config(config if config.is_file() else None), seed,
                          [Student(f"s{i:05d}", f"Student {i}") for i in range(students)])
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        key, answers = Path(tmp) / "key.json", Path(tmp) / "answers.csv"
        key.write_text(master.to_json(), encoding="utf-8")
        rows = 0
        with answers.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["student_id", "question_id", "answer"])
            for paper in master.papers:
                for qid, _, blank in paper.questions():
                    wrong = rng.random() < 0.2 and blank.distractors
                    answer = rng.choice(blank.distractors).answer if wrong else blank.answer
                    writer.writerow([paper.id, qid, answer])
                    rows += 1
        # What the command does starts from the files alone: the master built above is let go
        # first, or its 2,000 papers would still be alive (memory and collector time) while timed.
        del master, writer
        gc.collect()
        start = time.perf_counter()
        if analyze:
            from generator.analysis import analyze_files

            analyze_files(key, answers, Path(tmp) / "analysis")
        else:
            format_report(check(key, answers), "text")
        return rows, time.perf_counter() - start


def difficulty_spread(students: int, seed: int) -> tuple[float, float]:
    """How even a class's exams of the shipped config are: (max/min of the students' total
    difficulty, the largest max/min of one slot across the class); see
    :mod:`generator.problems.difficulty`."""
    from generator.configs import load_exam_config
    from generator.exam import build_master
    from generator.problems.difficulty import score
    from generator.roster import Student

    master = build_master(load_exam_config(None), seed, [Student(f"s{i:04d}", f"Student {i}") for i in range(students)])
    scores = [[score(p) for p in paper.problems] for paper in master.papers]
    totals = [sum(row) for row in scores]
    slots = [max(column) / min(column) for column in zip(*scores, strict=True)]
    return max(totals) / min(totals), max(slots)
