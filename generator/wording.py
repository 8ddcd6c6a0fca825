"""Question wording lives in templates: each problem type's heading and prompt are rendered
from ``templates/problems/TYPE.md.j2`` with the problem's numbers (its *facts*), so an
instructor can reword any question with ``--templates DIR`` (a ``problems/TYPE.md.j2`` there
overrides the shipped one).

A problem keeps its :class:`Wording` (template, variant, facts), so a build with other templates
words the same problems again (:func:`reword`) without drawing anything anew.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from generator.errors import UserError
from generator.key import Key, Problem
from generator.key.parts import Fact, Wording
from generator.render import render, shipped_environment


def render_wording(w: Wording, env: Any = None) -> tuple[str, str]:
    """(heading, prompt) as ``env``'s templates word them (the shipped ones by default); a
    template that gives an empty one is a one-line UserError."""
    env = env if env is not None else shipped_environment()
    name = f"problems/{w.template}.md.j2"
    title, prompt = (render(env, name, {"part": part, "variant": w.variant, "f": dict(w.facts)}).strip()
                     for part in ("title", "prompt"))
    for part, text in (("heading", title), ("prompt", prompt)):
        if not text:
            raise UserError(f"template {name}: gives no {part} for the {w.template} question {w.variant}".rstrip())
    return title, prompt


def wording(template: str, variant: str = "", **facts: Fact) -> Wording:
    """A :class:`Wording` from keyword facts."""
    return Wording(template, variant, tuple(facts.items()))


def reword(problem: Problem, env: Any) -> Problem:
    """``problem`` with its heading and prompt rendered by ``env``'s templates (unchanged when it
    has no wording, e.g. read back from a key file)."""
    if problem.wording is None:
        return problem
    title, prompt = render_wording(problem.wording, env)
    return replace(problem, title=title, prompt=prompt)


def reword_key(key: Key, env: Any) -> Key:
    """Every problem of ``key`` worded by ``env``'s templates (a build with ``--templates``)."""
    return replace(key, papers=tuple(
        replace(paper, problems=tuple(reword(p, env) for p in paper.problems)) for paper in key.papers))
