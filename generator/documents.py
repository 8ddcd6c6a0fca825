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
from generator.figures import Figure, blank_numbers, problem_figures
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


FIGURES = "figures"
"""The folder beside a document's Markdown that holds its figures as ``.svg`` files."""


def figure_data(figures: tuple[Figure, ...]) -> list[dict[str, str]]:
    """Figures as templates read them: the name (the HTML slot), the ``.svg`` file the Markdown
    links, and the accessible title and description."""
    return [{"name": f.name, "href": f"{FIGURES}/{f.name}.svg", "title": f.title, "desc": f.desc} for f in figures]


def document_context(
    title: str, subtitle: str, level: str, seed: int | None, salt: str, problems: list[Problem] | tuple[Problem, ...],
    instructions: str, student: dict[str, str] | None = None, verified: str = "", scope: str = "",
) -> dict[str, Any]:
    """The plain data every worksheet/key template reads (one context builder). ``scope`` keeps
    the ids inside the figures apart when several papers share a page (an exam's bundle)."""
    items = []
    figures: dict[str, Figure] = {}
    for p in problems:
        numbers = blank_numbers(p)
        sheet, key = problem_figures(p, reveal=False, scope=scope), problem_figures(p, reveal=True, scope=scope)
        figures.update((f.name, f) for f in (*sheet, *key))
        blanks = []
        for b in p.blanks:
            qid = f"{p.id}.{b.id}"
            blanks.append({
                "id": b.id, "qid": qid, "label": b.label, "kind": b.kind, "shown": b.shown,
                "hint": "[N, C, H, W]" if b.batch is not None else HINTS[b.kind], "number": numbers.get(b.id),
                "hashes": [answer_hash(salt, qid, a) for a in b.accepted],
            })
        items.append({
            "id": p.id, "type": p.type.value, "title": p.title, "prompt": p.prompt, "code": p.code,
            "framework": p.model.framework,
            "table": list(p.table), "blanks": blanks, "blank": {b["id"]: b for b in blanks},
            "grid": [list(row) for row in p.grid],
            "rest": [b for b in blanks if not any(b["id"] in row for row in p.grid)],
            "solution": solution_data(p.solution), "points": number(p.worth),
            "figures": figure_data(sheet), "key_figures": figure_data(key),
        })
    return {
        "doc": {
            "title": title, "subtitle": subtitle, "difficulty": level, "seed": seed,
            "problem_count": len(problems), "blank_count": sum(len(p.blanks) for p in problems),
            "total_points": number(sum(p.worth for p in problems)),
            "instructions": md_subset(instructions), "student": student, "verified": verified,
            "notation": notation_data(part for p in problems for part in p.solution),
            "framework": "pytorch" if problems and all(p.model.is_torch for p in problems) else "keras",
        },
        "problems": items,
        "figures": figures,
    }


_SOLUTION_SLOT = re.compile(r'<div class="solution" data-problem="(\d+)"></div>')
_FIGURE_SLOT = re.compile(r'<div class="figure" data-figure="([\w.-]+)"></div>')


def fill_figures(html: str, figures: dict[str, Figure]) -> str:
    """Puts each figure's SVG into the slot the template left for it (after Markdown, which
    never reads the drawings)."""

    def figure(m: re.Match[str]) -> str:
        found = figures.get(m.group(1))
        return m.group(0) if found is None else f'<figure class="figure">{found.svg}</figure>'

    return _FIGURE_SLOT.sub(figure, html)


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

    return fill_figures(_SOLUTION_SLOT.sub(solution, body), context["figures"])


def render_documents(
    env: Any, context: dict[str, Any], salt: str, page_title: str, selfcheck: bool = True
) -> dict[str, str]:
    """The documents of one worksheet or exam, by file suffix: ``worksheet.md`` / ``.html``,
    ``key.md`` / ``.html`` and, for worksheets, ``teacher.html`` (worksheet, a page break, the
    key). With ``selfcheck`` the HTML has answer boxes with a Check button; without it (exams) it
    has lines to write on and no digests at all. ``worksheet.body`` and ``key.body`` are the
    HTML fragments, for bundles; ``figures/NAME.svg`` the figures the Markdown links."""
    sheet_md = render(env, "worksheet.md.j2", {**context, "mode": "md"})
    key_md = render(env, "key.md.j2", {**context, "mode": "md"})
    sheet_body = fill_figures(
        markdown_to_html(render(env, "worksheet.md.j2", {**context, "mode": "html" if selfcheck else "exam"})),
        context["figures"])
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
        **{f"{FIGURES}/{name}.svg": figure.document for name, figure in context["figures"].items()},
    }
    if selfcheck:  # the paper as printed: lines to write on, figures inline
        paper = fill_figures(markdown_to_html(render(env, "worksheet.md.j2", {**context, "mode": "exam"})),
                             context["figures"])
        docs["teacher.html"] = page(
            f"Teacher's copy: {page_title}", paper + '\n<div class="key-start"></div>\n' + key_body, False
        )
    return docs
