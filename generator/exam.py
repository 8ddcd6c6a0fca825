"""Exams for a class: one variant per student from a roster, keys, a printable bundle and LMS
exports.

Each student's variant is drawn from its own stream, seeded by (seed, student id), so adding a
student never changes anyone else's exam. Difficulty is balanced: every variant has the same
problem types and counts, and each slot is matched to a reference problem of that slot (same
sub-type, same number of answers, hence the same number of layers in a summary table).
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator.configs import ExamConfig, load_exam_config
from generator.documents import FIGURES, document_context, render_documents, student_fields
from generator.errors import UserError, brief
from generator.key import Key, KeyKind, Paper, Problem
from generator.output import Progress, atomic_dir, derive_seed, write_text
from generator.parallel import ordered_map
from generator.pdf import (
    Cover,
    PaperSize,
    PrintJob,
    concatenate,
    paper_size,
    print_documents,
    require_engine,
)
from generator.problems import generate
from generator.problems.difficulty import BAND, score, within
from generator.problems.slot import Slot, stream_keys
from generator.render import environment, render
from generator.roster import Student, first_clash, read_roster
from generator.verify import verify_or_fail
from generator.wording import reword_key

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: readable from paper
def variant_code(seed: int, student_id: str) -> str:
    """A short code from (seed, id), printed on the exam so a key can be found from paper.

    >>> variant_code(2026, "s001") == variant_code(2026, "s001") != variant_code(2026, "s002")
    True
    >>> len(variant_code(1, "x"))
    7
    """
    digest = int(hashlib.sha256(f"variant:{seed}:{student_id}".encode()).hexdigest(), 16)
    chars = []
    for _ in range(6):
        digest, r = divmod(digest, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[r])
    return "".join(chars[:3]) + "-" + "".join(chars[3:])


@dataclass(frozen=True)
class ReferenceSlot:
    """One exam slot as drawn once per exam: what every student's problem in it must match."""

    slot: Slot
    variant: str
    """The sub-type (layer type, unknown, concept, number of layers)."""
    score: float
    """The reference problem's difficulty (see :mod:`generator.problems.difficulty`)."""
    points: float
    """What every student's problem in the slot is worth: the config's ``points``, or one per
    blank of the reference problem."""
    stream: tuple[str, int]
    """What the slot's random streams derive from (see :func:`~generator.problems.slot.stream_keys`)."""


def reference_slots(config: ExamConfig, seed: int) -> list[ReferenceSlot]:
    """Every slot's reference problem, drawn once per exam from the seed: every student's problem
    in a slot is of its variant (the same layer type, the same inverse or concept question, the
    same number of layers) and within the difficulty band around its score, which keeps the
    exams equally hard. Two slots of one type get different variants while there are any left."""
    slots = [r.slot for r in config.problems for _ in range(r.count)]
    out: list[ReferenceSlot] = []
    for i, (slot, (identity, n)) in enumerate(zip(slots, stream_keys(slots), strict=True), start=1):
        rng = random.Random(derive_seed(seed, "slot", identity, n))
        avoid = {ref.variant for ref in out if ref.slot.type is slot.type}
        problem = generate(slot, rng, config.difficulty, f"q{i}", avoid=avoid)
        points = slot.points if slot.points is not None else float(len(problem.blanks))
        out.append(ReferenceSlot(slot, problem.variant, score(problem), points, (identity, n)))
    return out


BAND_DRAWS = 60
"""Draws a student's slot gets to land in the difficulty band before the closest one is kept."""


def student_problems(config: ExamConfig, seed: int, student: Student, slots: list[ReferenceSlot]) -> list[Problem]:
    """The student's variant, from the student's own seeded stream, one stream per slot; each
    problem is redrawn (from the same stream) until its difficulty is in the slot's band."""
    problems = []
    for i, ref in enumerate(slots, start=1):
        identity, n = ref.stream
        best, best_gap = None, math.inf
        for attempt in range(BAND_DRAWS):
            rng = random.Random(derive_seed(seed, "student", student.id, identity, n, *((attempt,) if attempt else ())))
            problem = generate(ref.slot, rng, config.difficulty, f"q{i}", ref.variant)
            difficulty = score(problem)
            if within(difficulty, ref.score):
                best = problem
                break
            gap = abs(math.log(difficulty / ref.score))
            if gap < best_gap:
                best, best_gap = problem, gap
        assert best is not None
        problems.append(replace(best, points=ref.points))
    return problems


def _fingerprint(problems: list[Problem]) -> tuple[Any, ...]:
    return tuple((p.model, tuple(p.answers.items()), p.prompt) for p in problems)


def safe_name(student_id: str, taken: set[str]) -> str:
    """A file-name-safe folder name for a student id, unique among ``taken``.

    >>> safe_name("a/b c", set())
    'a_b_c'
    """
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", student_id).strip("._") or "student"
    name, n = base[:60], 2
    while name in taken:
        name, n = f"{base[:55]}-{n}", n + 1
    taken.add(name)
    return name


def build_master(config: ExamConfig, seed: int, students: list[Student],
                 progress: Progress | None = None) -> Key:
    """Every student's variant, in roster order: the master key (not yet verified)."""
    codes = {s.id: variant_code(seed, s.id) for s in students}
    clash = first_clash([*((s.id, s.id) for s in students), *codes.items()])
    if clash is not None:
        key, first, second = clash
        raise UserError(
            f"students {brief(first)} and {brief(second)} would both be {key} to check (an id or a "
            "variant code, compared ignoring case, spaces, - and _), so their answers could not be "
            "told apart; change an id or use another --seed"
        )
    slots = reference_slots(config, seed)
    papers: list[Paper] = []
    fingerprints: dict[tuple[Any, ...], str] = {}
    folders: set[str] = set()
    for student in students:
        problems = student_problems(config, seed, student, slots)
        fp = _fingerprint(problems)
        if fp in fingerprints:  # small configs and large classes; never silent
            raise UserError(
                f"students {brief(fingerprints[fp])} and {brief(student.id)} drew the same exam: the config "
                "leaves too few different exams for this class; add problems (or kinds of problems)"
            )
        fingerprints[fp] = student.id
        code = codes[student.id]
        papers.append(Paper(student, code, f"students/{safe_name(student.id, folders)}", tuple(problems)))
        if progress is not None:
            progress.advance(1, f"variant {code}")
    return Key(KeyKind.MASTER, config.title, tuple(papers), seed, config.difficulty.value,
               question_types=tuple(ref.slot.type.value for ref in slots),
               follow_through=config.follow_through, partial=config.partial)


@dataclass(frozen=True)
class PaperSetting:
    """What every student's documents share (sent once to each worker process)."""

    templates: Path | None
    config: ExamConfig
    seed: int
    verified: str


@functools.cache
def _environment(templates: Path | None) -> Any:
    return environment(templates)


def paper_documents(setting: PaperSetting, paper: Paper) -> dict[str, str]:
    """One student's files by name (``exam.md``, ``exam.html``, ``key.md``, ``key.html``,
    ``key.json``, ``figures/*.svg``) and the HTML fragments for the printable bundles
    (``exam.body``, ``key.body``). A module-level function, so worker processes can run it."""
    config = setting.config
    context = document_context(
        config.title, "", config.difficulty.value, setting.seed, "", paper.problems, config.instructions,
        student=student_fields(paper), verified=setting.verified, scope=paper.variant,
    )
    docs = render_documents(_environment(setting.templates), context, "", f"{config.title} — {paper.variant}",
                            selfcheck=False)
    key = Key(KeyKind.STUDENT, config.title, (paper,), setting.seed, verified_with=setting.verified,
              follow_through=config.follow_through, partial=config.partial)
    return {
        **{name: text for name, text in docs.items() if name.startswith(f"{FIGURES}/")},
        "exam.md": docs["worksheet.md"], "exam.html": docs["worksheet.html"],
        "key.md": docs["key.md"], "key.html": docs["key.html"], "key.json": key.to_json(),
        "exam.body": docs["worksheet.body"], "key.body": docs["key.body"],
    }


def print_pdfs(folder: Path, master: Key, title: str, paper: PaperSize, progress: Progress | None = None) -> None:
    """Prints each student's exam and key to PDF beside their HTML (every exam page carries the
    student's cover line and a QR code of the variant and page, see :mod:`generator.pdf`), and
    ``all-exams.pdf`` / ``all-keys.pdf``: those PDFs one after another, each student from a new
    page."""
    jobs = []
    for p in master.papers:
        who = " · ".join(text for text in (p.name, p.id, title) if text)
        jobs.append(PrintJob(folder / p.folder / "exam.html", folder / p.folder / "exam.pdf", Cover(who, p.variant, qr=True)))
        jobs.append(PrintJob(folder / p.folder / "key.html", folder / p.folder / "key.pdf", Cover(f"Answer key: {who}", p.variant)))
    print_documents(jobs, paper, folder, progress)
    concatenate([job.pdf for job in jobs[0::2]], folder / "all-exams.pdf", title)
    concatenate([job.pdf for job in jobs[1::2]], folder / "all-keys.pdf", f"Answer keys: {title}")


def build_exam(roster: str | Path, seed: int, out: str | Path, config_path: str | Path | None = None,
               templates: str | Path | None = None, verify: bool = True, workers: int | None = 1,
               pdf: bool = False, paper: str | PaperSize = PaperSize.A4, lms: str = "per-student") -> Path:
    """Builds the whole exam folder atomically. Returns ``out``.

    With ``pdf`` every student's exam and key, and the two printable bundles, are also printed
    to PDF on ``paper`` (:func:`print_pdfs`). ``lms`` chooses the LMS files in ``lms/``:
    ``per-student`` quizzes (the default), Moodle ``pools`` (one category per slot), or ``both``
    (:class:`generator.exports.LmsMode`).

    ``workers`` processes render the students' documents: None for one per core when the class
    is large (see :mod:`generator.parallel`), 1 (the default) for none. The files are the same
    either way. Worker processes are spawned, so a script calling this with ``workers`` other
    than 1 needs the usual ``if __name__ == "__main__":`` guard."""
    from generator.exports import LmsMode, write_exports

    try:
        lms_mode = LmsMode(lms)
    except ValueError:
        raise UserError(f"unknown LMS mode {str(lms)[:40]!r}; expected one of {', '.join(LmsMode)}") from None
    size = paper_size(paper)
    if pdf:
        require_engine()  # before any work: a missing engine writes nothing
    config = load_exam_config(config_path)
    students = read_roster(roster)
    template_dir = Path(templates) if templates else None
    env = _environment(template_dir)  # a bad --templates fails here, before any work
    per_student = sum(r.count for r in config.problems)
    progress = Progress(len(students) * (1 + (per_student if verify else 0) + (2 if pdf else 0)), "drawing variants")
    master = build_master(config, seed, students, progress)
    if template_dir is not None:  # the instructor's wording
        master = reword_key(master, env)
    verified = verify_or_fail(master.problems, progress) if verify else ""
    master = replace(master, verified_with=verified)
    with atomic_dir(out, "exam") as tmp, ordered_map(
        functools.partial(paper_documents, PaperSetting(template_dir, config, seed, verified)), master.papers, workers,
    ) as documents:
        lms_files = write_exports(master, tmp / "lms", lms=lms_mode)  # while the workers render
        bundle, key_bundle = [], []
        for exam_paper, docs in zip(master.papers, documents, strict=True):
            for name, text in docs.items():
                if not name.endswith(".body"):
                    write_text(tmp / exam_paper.folder / name, text)
            bundle.append(docs["exam.body"])
            key_bundle.append(docs["key.body"])
        write_text(tmp / "key.json", master.to_json())
        for name, parts, title in (("all-exams.html", bundle, config.title), ("all-keys.html", key_bundle, f"Answer keys: {config.title}")):
            body = "\n".join(
                (f'<section class="student-break">{part}</section>' if i else f"<section>{part}</section>")
                for i, part in enumerate(parts)
            )
            write_text(tmp / name, render(env, "page.html.j2", {"title": title, "body": Markup(body), "salt": "", "selfcheck": False}))
        if pdf:
            print_pdfs(tmp, master, config.title, size, progress)
        difficulty = {p.id: sum(score(problem) for problem in p.problems) for p in master.papers}
        spread = max(difficulty.values()) / min(difficulty.values()) if difficulty else 1.0
        rows = [{
            "title": f"{p.name or p.id} ({p.id})", "note": f"variant {p.variant} · difficulty {difficulty[p.id]:.1f}",
            "links": [{"href": f"{p.folder}/exam.html", "text": "exam HTML"},
                      {"href": f"{p.folder}/exam.md", "text": "exam Markdown"},
                      {"href": f"{p.folder}/key.html", "text": "key HTML"},
                      {"href": f"{p.folder}/key.json", "text": "key JSON"},
                      *({"href": f"{p.folder}/{name}.pdf", "text": "PDF"} for name in ("exam", "key") if pdf)],
        } for p in master.papers]
        write_text(tmp / "index.html", render(env, "index.html.j2", {
            "title": config.title, "seed": seed, "rows": rows,
            "headers": ["Exam", "Markdown", "Key", "Key (JSON)", *(("Exam PDF", "Key PDF") if pdf else ())],
            "summary": (f"{len(students)} students, {len(rows and master.papers[0].problems)} questions each, "
                        f"one variant per student; difficulty {min(difficulty.values(), default=0):.1f} to "
                        f"{max(difficulty.values(), default=0):.1f} (max/min {spread:.2f}, kept under {BAND}); "
                        + (f"every answer verified against {'' if verified.startswith('torch') else 'Keras '}{verified}." if verified else "not verified against Keras (--no-verify).")),
            "extra": [
                {"href": "all-exams.html", "text": "all exams, printable", "note": "a page break per student"},
                {"href": "all-keys.html", "text": "all keys, printable", "note": ""},
                *({"href": f"all-{name}.pdf", "text": f"all {name}, PDF", "note": "a page break per student"}
                  for name in ("exams", "keys") if pdf),
                {"href": "key.json", "text": "master key", "note": "for python -m generator check"},
                *({"href": f"lms/{p.name}", "text": p.name, "note": "LMS import"} for p in lms_files),
            ],
        }))
    progress.close()
    return Path(out)
