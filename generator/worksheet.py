"""Worksheets: a config picks problem types, counts, level and seed; the build writes Markdown
and HTML worksheets, answer keys, a teacher's copy, ``key.json`` and an ``index.html``.

Same config + same seed -> byte-identical files (no timestamps; every random choice comes from
a random stream per slot, seeded from the seed, the worksheet name and the slot; see
:mod:`generator.problems.draw`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator.configs import (
    INSTRUCTIONS,
    POLICIES,
    TORCH_INSTRUCTIONS,
    Config,
    WorksheetConfig,
    load_config,
)
from generator.documents import FIGURES, document_context, render_documents
from generator.errors import UserError
from generator.key import Key, KeyKind, Paper, Problem
from generator.output import Progress, atomic_dir, derive_seed, write_text
from generator.pdf import Cover, PaperSize, PrintJob, paper_size, print_documents, require_engine
from generator.problems.draw import Seen, draw_problems
from generator.render import environment, render
from generator.verify import verify_or_fail
from generator.wording import reword_key


def generate_problems(sheet: WorksheetConfig, seed: int, prefix: str, seen: Seen | None = None) -> list[Problem]:
    """The worksheet's problems (ids ``{prefix}p{n}``), each slot from its own seeded stream
    (see :mod:`generator.problems.draw`); ``seen`` carries what earlier worksheets used."""
    try:
        return draw_problems(sheet.slots, seed, sheet.name, sheet.difficulty, prefix, sheet.covers, seen)
    except UserError as exc:
        raise UserError(f"worksheet {sheet.name}: {exc}") from None


def worksheet_keys(config: Config, seed: int) -> tuple[Key, list[tuple[WorksheetConfig, Key]]]:
    """The key of the whole set and each worksheet's key (not yet verified); no problem repeats
    across the set."""
    seen = Seen()
    sheets = [
        (sheet, Key(KeyKind.WORKSHEET, sheet.title,
                    (Paper.shared(tuple(generate_problems(sheet, seed, f"w{i + 1}", seen))),), seed, sheet.difficulty.value,
                    follow_through=sheet.follow_through, partial=sheet.partial))
        for i, sheet in enumerate(config.worksheets)
    ]
    # The set's key holds one policy for all its problems: it records a policy only where every
    # worksheet has the same one (a worksheet's own key always records its own).
    follow_through, partial = ({getattr(sheet, name) for sheet in config.worksheets} for name in POLICIES)
    combined = Key(KeyKind.WORKSHEET, config.title,
                   (Paper.shared(tuple(p for _, key in sheets for p in key.problems)),), seed,
                   follow_through=follow_through.pop() if len(follow_through) == 1 else None,
                   partial=partial.pop() if len(partial) == 1 else None)
    return combined, sheets


PDFS = (("worksheet", "Student", ""), ("key", "Key", "Answer key: "), ("teacher", "Teacher", "Teacher's copy: "))
"""The documents ``--pdf`` prints: (file kind, index column, cover line prefix)."""


def build_worksheets(
    config_path: str | Path, seed: int, out: str | Path, templates: str | Path | None = None,
    verify: bool = True, pdf: bool = False, paper: str | PaperSize = PaperSize.A4,
) -> Path:
    """Builds every worksheet of the config into ``out`` (atomically). Returns ``out``.

    With ``pdf`` each worksheet, key and teacher's copy is also printed to PDF on ``paper``
    (see :mod:`generator.pdf`)."""
    size = paper_size(paper)
    if pdf:
        require_engine()  # before any work: a missing engine writes nothing
    config = load_config(config_path)
    env = environment(Path(templates) if templates else None)
    combined, sheets = worksheet_keys(config, seed)
    if templates:  # the instructor's wording
        sheets = [(sheet, reword_key(key, env)) for sheet, key in sheets]
        combined = reword_key(combined, env)
    progress = Progress(len(combined.problems) + len(sheets) * (1 + (len(PDFS) if pdf else 0)), "building")
    # Each framework's problems against its own framework; each sheet's key names the one it used.
    by_framework = {name: [p for p in combined.problems if p.model.framework == name] for name in ("keras", "pytorch")}
    checked = {name: verify_or_fail(problems, progress) if verify and problems else "" for name, problems in by_framework.items()}
    verified = " and ".join(v for v in checked.values() if v)
    out = Path(out)
    with atomic_dir(out, "worksheet") as tmp:
        rows, jobs = [], []
        for sheet, key in sheets:
            salt = f"{derive_seed('salt', seed, sheet.name):016x}"
            context = document_context(
                sheet.title, sheet.subtitle, sheet.difficulty.value, seed, salt, key.problems,
                TORCH_INSTRUCTIONS if sheet.framework == "pytorch" and config.instructions == INSTRUCTIONS
                else config.instructions, verified=checked[sheet.framework],
            )
            docs = render_documents(env, context, salt, sheet.title)
            for suffix in ("worksheet.md", "worksheet.html", "key.md", "key.html", "teacher.html"):
                write_text(tmp / f"{sheet.name}-{suffix}", docs[suffix])
            for name, text in docs.items():  # problem ids are unique in the set: one figures/ folder
                if name.startswith(f"{FIGURES}/"):
                    write_text(tmp / name, text)
            write_text(tmp / f"{sheet.name}-key.json", replace(key, verified_with=checked[sheet.framework]).to_json())
            rows.append({
                "title": sheet.title,
                "note": f"{sheet.difficulty.value}, {len(key.problems)} problems, {sum(len(p.blanks) for p in key.problems)} answers",
                "links": [
                    {"href": f"{sheet.name}-worksheet.html", "text": "HTML (self-check)"},
                    {"href": f"{sheet.name}-worksheet.md", "text": "Markdown"},
                    {"href": f"{sheet.name}-key.html", "text": "key HTML"},
                    {"href": f"{sheet.name}-key.md", "text": "key Markdown"},
                    {"href": f"{sheet.name}-teacher.html", "text": "teacher's copy"},
                    {"href": f"{sheet.name}-key.json", "text": "key JSON"},
                    *({"href": f"{sheet.name}-{kind}.pdf", "text": "PDF"} for kind, _, _ in PDFS if pdf),
                ],
            })
            jobs += [PrintJob(tmp / f"{sheet.name}-{kind}.html", tmp / f"{sheet.name}-{kind}.pdf", Cover(f"{prefix}{sheet.title}"))
                     for kind, _, prefix in PDFS if pdf]
            progress.advance(1, f"rendered {sheet.name}")
        write_text(tmp / "key.json", replace(combined, verified_with=verified).to_json())
        if jobs:
            print_documents(jobs, size, tmp, progress)
        write_text(tmp / "index.html", render(env, "index.html.j2", {
            "title": config.title, "seed": seed, "rows": rows,
            "headers": ["Student", "Markdown", "Key", "Key (Markdown)", "Teacher", "Key (JSON)",
                        *(f"{text} PDF" for _, text, _ in PDFS if pdf)],
            "summary": (f"{len(combined.problems)} problems in {len(sheets)} worksheets; "
                        + (f"every answer verified against {'' if verified.startswith('torch') else 'Keras '}{verified}." if verified else "not verified against Keras (--no-verify).")),
            "extra": [{"href": "key.json", "text": "key.json", "note": "every problem of every worksheet, machine readable"},
                      # build/practice/ beside build/worksheets/ (make practice builds it)
                      {"href": "../practice/index.html", "text": "practice page",
                       "note": "every problem type, one at a time, checked as you go, with worked solutions (make practice)"}],
        }))
    progress.close()
    return out
