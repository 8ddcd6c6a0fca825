"""Item analysis of a graded class: the library behind ``python -m generator analyze`` and
``check --analysis DIR``.

Staged like grading: :func:`generator.grading.grade` (a :class:`~generator.grading.Report`) ->
:func:`~generator.analysis.stats.analyze` (one :class:`~generator.analysis.stats.Analysis`:
difficulty, discrimination and misconceptions per slot and question, breakdowns by the
problems' parameters (:mod:`generator.analysis.factors`), the score distribution and
reliability) -> :func:`~generator.analysis.document.write_analysis` (``analysis.html`` and
``analysis.csv``, atomically).

numpy, scipy and matplotlib (the ``analysis`` extra) are imported only inside the functions
that compute or draw; importing this package loads none of them.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.analysis.document import write_analysis
from generator.analysis.stats import Analysis, analyze, require_libraries
from generator.grading import Report, grade
from generator.grading.grade import Policy
from generator.grading.lms import read_sheet
from generator.key import FollowThrough, Key, Partial
from generator.userfiles import paused_gc

__all__ = ["Analysis", "analyze", "analyze_files", "require_libraries", "write_analysis"]


def analyze_files(key_path: str | os.PathLike[str], answers_path: str | os.PathLike[str],
                  out: str | os.PathLike[str], option: str = "--out",
                  follow_through: FollowThrough | str | None = None,
                  partial: Partial | str | None = None) -> tuple[Report, Path]:
    """Grades ``answers_path`` against ``key_path`` (``follow_through`` and ``partial`` override
    the key's credit policy, as in ``check``) and writes the analysis into ``out``.

    Returns:
        (the graded report, the folder written).

    Raises:
        UserError: a missing library (named with its extra), a bad key or answer file, or an
            output folder that may not be replaced; nothing is written then.
    """
    require_libraries()
    with paused_gc():
        key = Key.load(key_path)
        graded, sheet = read_sheet(answers_path, key)  # an LMS export: the papers its students drew
        report = grade(graded, sheet, str(key_path), Policy.of(key, follow_through, partial))
        analysis = analyze(report, graded)
        # The collector stays paused while the page is drawn too: the key's millions of objects
        # are still alive, and each of matplotlib's collections would walk them all (2 s of 3).
        return report, write_analysis(analysis, out, option)
