"""Worksheets: a config picks problem types, counts, level and seed; the build writes Markdown
and HTML worksheets, answer keys, a teacher's copy, ``key.json`` and an ``index.html``.

Same config + same seed -> byte-identical files (no timestamps; every random choice comes from
a ``random.Random`` seeded from the seed and the worksheet name).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator.answers import answer_hash
from generator.errors import UserError, VerificationError, brief
from generator.output import Progress, atomic_dir, derive_seed, write_text
from generator.problems import Problem, ProblemType, generate
from generator.render import environment, markdown_to_html, md_subset, render
from generator.sampler import Difficulty
from generator.userfiles import load_structured

HINTS = {"shape": "(None, H, W, C)", "int": "number", "choice": "word"}
INSTRUCTIONS = (
    "Answer every box. Shapes are written as Keras prints them, with `None` for the batch axis, "
    "e.g. `(None, 26, 26, 32)`; parameter counts as whole numbers. Show your working on paper: "
    "the answer key has a worked solution for every question."
)


@dataclass(frozen=True)
class ProblemRequest:
    """``count`` problems of one ``type``."""

    type: ProblemType
    count: int


@dataclass(frozen=True)
class WorksheetConfig:
    """One worksheet of a config."""

    name: str
    title: str
    difficulty: Difficulty
    problems: tuple[ProblemRequest, ...]
    subtitle: str = ""


@dataclass(frozen=True)
class Config:
    """A worksheet set: a title and its worksheets."""

    title: str
    worksheets: tuple[WorksheetConfig, ...]
    instructions: str = INSTRUCTIONS


def _expect(cond: bool, where: str, message: str, value: Any) -> None:
    if not cond:
        raise UserError(f"{where}: {message}. Received: {brief(value)}")


def _problem_list(raw: Any, where: str) -> tuple[ProblemRequest, ...]:
    _expect(isinstance(raw, list) and bool(raw), where, "expected a non-empty list of {type, count}", raw)
    out = []
    for j, item in enumerate(raw):
        w = f"{where}[{j}]"
        _expect(isinstance(item, dict) and set(item) <= {"type", "count"} and "type" in item, w,
                "expected {type: ..., count: N}", item)
        kinds = [t.value for t in ProblemType]
        _expect(item["type"] in kinds, f"{w}.type", f"expected one of {', '.join(kinds)}", item["type"])
        count = item.get("count", 1)
        _expect(isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 200,
                f"{w}.count", "expected a whole number from 1 to 200", count)
        out.append(ProblemRequest(ProblemType(item["type"]), count))
    return tuple(out)


def config_from_dict(data: Any, source: str) -> Config:
    """Validates a worksheet config (already loaded from YAML/JSON)."""
    _expect(isinstance(data, dict), source, "expected a mapping with 'title' and 'worksheets'", type(data).__name__)
    unknown = set(data) - {"title", "worksheets", "instructions"}
    _expect(not unknown, source, "unknown key(s); expected title, worksheets, instructions", sorted(map(str, unknown)))
    title = data.get("title", "CNN worksheets")
    _expect(isinstance(title, str), f"{source}: title", "expected text", title)
    raw = data.get("worksheets")
    _expect(isinstance(raw, list) and bool(raw), f"{source}: worksheets", "expected a non-empty list", raw)
    sheets = []
    for i, ws in enumerate(raw):
        where = f"{source}: worksheets[{i}]"
        _expect(isinstance(ws, dict), where, "expected a mapping", ws)
        unknown = set(ws) - {"name", "title", "subtitle", "difficulty", "problems"}
        _expect(not unknown, where, "unknown key(s); expected name, title, subtitle, difficulty, problems", sorted(map(str, unknown)))
        name = ws.get("name")
        _expect(isinstance(name, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,40}", name or "") is not None,
                f"{where}.name", "expected a short file-name-safe name (a-z, 0-9, - and _)", name)
        levels = [d.value for d in Difficulty]
        level = ws.get("difficulty", "intro")
        _expect(level in levels, f"{where}.difficulty", f"expected one of {', '.join(levels)}", level)
        for key in ("title", "subtitle"):
            _expect(isinstance(ws.get(key, ""), str), f"{where}.{key}", "expected text", ws.get(key))
        sheets.append(WorksheetConfig(
            name, ws.get("title") or name, Difficulty(level),
            _problem_list(ws.get("problems"), f"{where}.problems"), ws.get("subtitle", ""),
        ))
    names = [s.name for s in sheets]
    _expect(len(set(names)) == len(names), f"{source}: worksheets", "names must be unique", names)
    instructions = data.get("instructions", INSTRUCTIONS)
    _expect(isinstance(instructions, str), f"{source}: instructions", "expected text", instructions)
    return Config(title, tuple(sheets), instructions)


def load_config(path: str | Path) -> Config:
    """Reads a YAML or JSON worksheet config."""
    return config_from_dict(load_structured(path, "config", "--config"), str(path))


def generate_problems(sheet: WorksheetConfig, seed: int, prefix: str) -> list[Problem]:
    """The worksheet's problems, drawn from its own seeded stream; ids ``{prefix}p{n}``."""
    rng = random.Random(derive_seed(seed, sheet.name))
    problems = []
    for request in sheet.problems:
        for _ in range(request.count):
            problems.append(generate(request.type, rng, sheet.difficulty, f"{prefix}p{len(problems) + 1}"))
    return problems


def document_context(
    title: str, subtitle: str, level: str, seed: int | None, salt: str, problems: list[Problem],
    instructions: str, student: dict[str, str] | None = None, verified: str = "",
) -> dict[str, Any]:
    """The plain data every worksheet/key template reads (one context builder)."""
    items = []
    for p in problems:
        blanks = []
        for b in p.blanks:
            qid = f"{p.id}.{b.id}"
            blanks.append({
                "id": b.id, "qid": qid, "label": b.label, "kind": b.kind, "shown": b.shown,
                "hint": HINTS[b.kind],
                "hashes": [answer_hash(salt, qid, a) for a in b.accepted],
            })
        items.append({
            "id": p.id, "type": p.type.value, "title": p.title, "prompt": p.prompt, "code": p.code,
            "table": list(p.table), "blanks": blanks, "blank": {b["id"]: b for b in blanks},
            "solution": list(p.solution),
        })
    return {
        "doc": {
            "title": title, "subtitle": subtitle, "difficulty": level, "seed": seed,
            "problem_count": len(problems), "blank_count": sum(len(p.blanks) for p in problems),
            "instructions": md_subset(instructions), "student": student, "verified": verified,
        },
        "problems": items,
    }


def render_documents(
    env: Any, context: dict[str, Any], salt: str, page_title: str, selfcheck: bool = True
) -> dict[str, str]:
    """The documents of one worksheet or exam, by file suffix: ``worksheet.md`` / ``.html``,
    ``key.md`` / ``.html`` and, for worksheets, ``teacher.html`` (worksheet, a page break, the
    key). With ``selfcheck`` the HTML has answer boxes with a Check button; without it (exams) it
    has lines to write on and no digests at all. ``worksheet.body`` and ``key.body`` are the
    HTML fragments, for bundles."""
    sheet_md = render(env, "worksheet.md.j2", {**context, "mode": "md"})
    key_md = render(env, "key.md.j2", context)
    sheet_body = markdown_to_html(render(env, "worksheet.md.j2", {**context, "mode": "html" if selfcheck else "exam"}))
    key_body = markdown_to_html(key_md)

    def page(title: str, body: str, with_selfcheck: bool) -> str:
        return render(env, "page.html.j2", {"title": title, "body": Markup(body),
                                            "salt": salt if with_selfcheck else "", "selfcheck": with_selfcheck})

    docs = {
        "worksheet.md": sheet_md,
        "worksheet.html": page(page_title, sheet_body, selfcheck),
        "key.md": key_md,
        "key.html": page(f"Answer key: {page_title}", key_body, False),
        "worksheet.body": sheet_body,
        "key.body": key_body,
    }
    if selfcheck:
        paper = markdown_to_html(sheet_md)
        docs["teacher.html"] = page(
            f"Teacher's copy: {page_title}", paper + '\n<div class="key-start"></div>\n' + key_body, False
        )
    return docs


def verify_or_fail(problems: list[dict[str, Any]], progress: Progress) -> str:
    """Verifies every problem against Keras; raises VerificationError on any disagreement.
    Returns the Keras version string for the keys."""
    from generator.verify import verify_problems, versions

    errors = verify_problems(problems, progress)
    if errors:
        shown = "; ".join(errors[:5]) + (f" (+{len(errors) - 5} more)" if len(errors) > 5 else "")
        raise VerificationError(f"{len(errors)} answer(s) disagree with Keras: {shown}")
    v = versions()
    return f"{v['keras']} (TensorFlow {v['tensorflow']})"


def build_worksheets(
    config_path: str | Path, seed: int, out: str | Path, templates: str | Path | None = None,
    verify: bool = True,
) -> Path:
    """Builds every worksheet of the config into ``out`` (atomically). Returns ``out``."""
    config = load_config(config_path)
    env = environment(Path(templates) if templates else None)
    sheets = [
        (sheet, generate_problems(sheet, seed, f"w{i + 1}"))
        for i, sheet in enumerate(config.worksheets)
    ]
    as_dicts = {p.id: p.to_dict() for _, problems in sheets for p in problems}
    all_problems = list(as_dicts.values())
    progress = Progress(len(all_problems) + len(sheets), "building")
    verified = ""
    if verify:
        verified = verify_or_fail(all_problems, progress)
    out = Path(out)
    with atomic_dir(out, "worksheet") as tmp:
        rows = []
        for sheet, problems in sheets:
            salt = f"{derive_seed('salt', seed, sheet.name):016x}"
            context = document_context(
                sheet.title, sheet.subtitle, sheet.difficulty.value, seed, salt, problems,
                config.instructions, verified=verified,
            )
            docs = render_documents(env, context, salt, sheet.title)
            for suffix in ("worksheet.md", "worksheet.html", "key.md", "key.html", "teacher.html"):
                write_text(tmp / f"{sheet.name}-{suffix}", docs[suffix])
            key = {"title": sheet.title, "seed": seed, "difficulty": sheet.difficulty.value,
                   "verified_with": verified, "problems": [as_dicts[p.id] for p in problems]}
            write_text(tmp / f"{sheet.name}-key.json", json.dumps(key, indent=1, ensure_ascii=False) + "\n")
            rows.append({
                "title": sheet.title,
                "note": f"{sheet.difficulty.value}, {len(problems)} problems, {sum(len(p.blanks) for p in problems)} answers",
                "links": [
                    {"href": f"{sheet.name}-worksheet.html", "text": "HTML (self-check)"},
                    {"href": f"{sheet.name}-worksheet.md", "text": "Markdown"},
                    {"href": f"{sheet.name}-key.html", "text": "key HTML"},
                    {"href": f"{sheet.name}-key.md", "text": "key Markdown"},
                    {"href": f"{sheet.name}-teacher.html", "text": "teacher's copy"},
                    {"href": f"{sheet.name}-key.json", "text": "key JSON"},
                ],
            })
            progress.advance(1, f"rendered {sheet.name}")
        combined = {"title": config.title, "seed": seed, "verified_with": verified, "problems": all_problems}
        write_text(tmp / "key.json", json.dumps(combined, indent=1, ensure_ascii=False) + "\n")
        write_text(tmp / "index.html", render(env, "index.html.j2", {
            "title": config.title, "seed": seed, "rows": rows,
            "headers": ["Student", "Markdown", "Key", "Key (Markdown)", "Teacher", "Key (JSON)"],
            "summary": (f"{len(all_problems)} problems in {len(sheets)} worksheets; "
                        + (f"every answer verified against Keras {verified}." if verified else "not verified against Keras (--no-verify).")),
            "extra": [{"href": "key.json", "text": "key.json", "note": "every problem of every worksheet, machine readable"}],
        }))
    progress.close()
    return out
