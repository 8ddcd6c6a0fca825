"""The document pipeline every build shares (worksheets, exams, the lab handout): one context
builder that turns key records into the plain data templates read, and one renderer that writes
the Markdown, HTML, key and teacher's copy of a document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from generator.answers import answer_hash
from generator.engine.notation import used
from generator.key import Paper, Problem, SolutionPart, number
from generator.render import markdown_to_html, md_subset, render

HINTS = {"shape": "(None, H, W, C)", "int": "number", "choice": "word"}


def student_fields(paper: Paper) -> dict[str, str]:
    """Who an exam paper is for, as templates read it."""
    return {"id": paper.id, "name": paper.name, "variant": paper.variant}


def solution_data(parts: tuple[SolutionPart, ...]) -> list[dict[str, Any]]:
    """A worked solution as templates read it: parts with headings, steps with their rule,
    substitution (LaTeX), value and remark."""
    return [{"heading": part.heading, "steps": [
        {"label": s.label, "text": s.text, "formula_latex": s.formula_latex, "substituted_latex": s.substituted_latex,
         "value": s.value, "remark": s.remark} for s in part.steps]} for part in parts]


def notation_data(parts: Iterable[SolutionPart]) -> list[dict[str, str]]:
    """The notation box: every symbol the worked solutions' ``parts`` use, in notation order."""
    names = (n for part in parts for s in part.steps for n in s.symbols)
    return [{"latex": sym.latex, "meaning": sym.meaning} for sym in used(names)]


def document_context(
    title: str, subtitle: str, level: str, seed: int | None, salt: str, problems: list[Problem] | tuple[Problem, ...],
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
            "grid": [list(row) for row in p.grid],
            "rest": [b for b in blanks if not any(b["id"] in row for row in p.grid)],
            "solution": solution_data(p.solution), "points": number(p.worth),
        })
    return {
        "doc": {
            "title": title, "subtitle": subtitle, "difficulty": level, "seed": seed,
            "problem_count": len(problems), "blank_count": sum(len(p.blanks) for p in problems),
            "total_points": number(sum(p.worth for p in problems)),
            "instructions": md_subset(instructions), "student": student, "verified": verified,
            "notation": notation_data(part for p in problems for part in p.solution),
        },
        "problems": items,
    }


_SOLUTION_SLOT = re.compile(r'<div class="solution" data-problem="(\d+)"></div>')


def key_html(env: Any, context: dict[str, Any]) -> str:
    """The key as an HTML fragment: ``key.md.j2`` in ``html`` mode, through Markdown, with each
    problem's worked solution rendered by ``solution.html.j2`` straight to HTML into the slot the
    template leaves for it (Markdown never reads the steps: they are most of a key, and the same
    template words the LMS feedback)."""
    body = markdown_to_html(render(env, "key.md.j2", {**context, "mode": "html"}))
    problems = context["problems"]

    def solution(m: re.Match[str]) -> str:
        index = int(m.group(1))
        if index >= len(problems):
            return m.group(0)
        return render(env, "solution.html.j2", {"solution": problems[index]["solution"], "notation": [], "answers": [],
                                                 "mode": "mathml"})

    return _SOLUTION_SLOT.sub(solution, body)


def render_documents(
    env: Any, context: dict[str, Any], salt: str, page_title: str, selfcheck: bool = True
) -> dict[str, str]:
    """The documents of one worksheet or exam, by file suffix: ``worksheet.md`` / ``.html``,
    ``key.md`` / ``.html`` and, for worksheets, ``teacher.html`` (worksheet, a page break, the
    key). With ``selfcheck`` the HTML has answer boxes with a Check button; without it (exams) it
    has lines to write on and no digests at all. ``worksheet.body`` and ``key.body`` are the
    HTML fragments, for bundles."""
    sheet_md = render(env, "worksheet.md.j2", {**context, "mode": "md"})
    key_md = render(env, "key.md.j2", {**context, "mode": "md"})
    sheet_body = markdown_to_html(render(env, "worksheet.md.j2", {**context, "mode": "html" if selfcheck else "exam"}))
    key_body = key_html(env, context)

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
