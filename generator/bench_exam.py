"""The exam part of ``bench``: building a whole class's exam folder, without Keras."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from generator.exam import build_exam


def exam_build_seconds(students: int, seed: int) -> float:
    """Seconds to build the exam folder (variants, keys, HTML, LMS exports) for ``students``
    students with the shipped exam config and no verification."""
    config = Path(__file__).resolve().parent.parent / "configs" / "exam.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text("id,name\n" + "".join(f"s{i:04d},Student {i}\n" for i in range(students)), encoding="utf-8")
        start = time.perf_counter()
        build_exam(roster, seed, Path(tmp) / "exam", config if config.is_file() else None, verify=False)
        return time.perf_counter() - start
