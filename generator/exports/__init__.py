"""LMS exports of an exam's master key: Moodle XML, GIFT and Canvas QTI 1.2.

Each exporter is a pure function of the master key, a :class:`generator.key.Key` of kind
``MASTER`` (same key -> byte-identical output). What they share (walking the key's papers,
problems and blanks once, the answer boxes, the multiple-choice versions, the HTML) lives in
:mod:`generator.exports.content`; each format module only translates.

How each LMS grades a shape such as ``(None, 26, 26, 32)``: as one exact number per axis after
the batch axis (a cloze question with three NUMERICAL fields in Moodle XML; three numerical
questions in GIFT and in Canvas QTI), because short-answer matching compares strings literally.
Every blank with distractors also has a multiple-choice version (a subcategory or a second quiz
per student).

Pool mode (:class:`LmsMode`): instead of one quiz per student, ``moodle_pools.xml`` puts every
student's question of a slot into one Moodle category per slot, for a quiz that draws a random
question from each (:func:`~generator.exports.moodle.moodle_pool_xml`), and
``canvas_pools_qti.zip`` one Canvas question group per slot that draws one whole variant (a
``fill_in_multiple_blanks_question`` per variant: :func:`~generator.exports.qti_pools.canvas_pool_zip`).
GIFT pools are not written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path

from generator.exports.content import PaperQuestions, by_paper
from generator.exports.gift_format import gift
from generator.exports.moodle import moodle_pool_xml, moodle_xml
from generator.exports.qti import qti_zip
from generator.exports.qti_pools import canvas_pool_zip
from generator.key import Key


class ExportFormat(StrEnum):
    """The LMS formats an exam is exported to."""

    MOODLE = "moodle"
    GIFT = "gift"
    QTI = "qti"


class LmsMode(StrEnum):
    """What ``exam`` writes to ``lms/``: per-student quizzes (the default), pools, or both."""

    PER_STUDENT = "per-student"
    POOLS = "pools"
    BOTH = "both"


POOL_FILENAMES: dict[ExportFormat, str] = {ExportFormat.MOODLE: "moodle_pools.xml", ExportFormat.QTI: "canvas_pools_qti.zip"}
"""The pool file of each format that has one."""

POOL_EXPORTERS: dict[ExportFormat, Callable[[Key, Sequence[PaperQuestions]], bytes]] = {
    ExportFormat.MOODLE: moodle_pool_xml,
    ExportFormat.QTI: canvas_pool_zip,
}
"""(master key, walked papers) -> pool file bytes, per format that has pools."""

FILENAMES: dict[ExportFormat, str] = {
    ExportFormat.MOODLE: "moodle.xml",
    ExportFormat.GIFT: "quiz.gift.txt",
    ExportFormat.QTI: "canvas_qti.zip",
}
"""The file each format is written to by :func:`write_exports`."""

EXPORTERS: dict[ExportFormat, Callable[[Key, Sequence[PaperQuestions]], bytes]] = {
    ExportFormat.MOODLE: moodle_xml,
    ExportFormat.GIFT: lambda key, papers: gift(key, papers).encode("utf-8"),
    ExportFormat.QTI: qti_zip,
}
"""(master key, :func:`~generator.exports.content.by_paper` of it) -> file bytes, per format."""


def write_exports(key: Key, out_dir: Path,
                  formats: Iterable[ExportFormat | str] | None = None,
                  lms: LmsMode | str = LmsMode.PER_STUDENT) -> list[Path]:
    """Writes the LMS files of an exam into ``out_dir`` (created if missing).

    Every file is built before the first is written, so a key that is not an exam master key
    writes nothing. The caller makes the folder atomic.

    Args:
        key: The exam's master key (validated when it was built or loaded: :meth:`Key.load
            <generator.key.Key.load>`).
        out_dir: The folder to write ``moodle.xml``, ``quiz.gift.txt`` and ``canvas_qti.zip`` to.
        formats: Which formats (default: all of them, in the order of :class:`ExportFormat`).
        lms: Per-student quizzes (:data:`FILENAMES`), pools (:data:`POOL_FILENAMES`, for the
            chosen formats that have one) or both.

    Returns:
        The paths written, in the order of ``formats``.

    Raises:
        UserError: when ``key`` is not an exam master key.
        ValueError: for an unknown format name or mode.
    """
    chosen = list(ExportFormat) if formats is None else [ExportFormat(f) for f in formats]
    papers = tuple(by_paper(key))  # walked once for every format
    mode = LmsMode(lms)
    contents: dict[str, bytes] = {}
    if mode is not LmsMode.POOLS:
        contents.update((FILENAMES[fmt], EXPORTERS[fmt](key, papers)) for fmt in chosen)
    if mode is not LmsMode.PER_STUDENT:
        contents.update((POOL_FILENAMES[fmt], POOL_EXPORTERS[fmt](key, papers)) for fmt in chosen if fmt in POOL_EXPORTERS)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in contents.items():
        path = out_dir / name
        path.write_bytes(data)
        paths.append(path)
    return paths


__all__ = ["EXPORTERS", "FILENAMES", "POOL_EXPORTERS", "POOL_FILENAMES", "ExportFormat", "LmsMode", "canvas_pool_zip", "gift",
           "moodle_pool_xml", "moodle_xml", "qti_zip", "write_exports"]
