"""Worksheet and exam configs: what a build contains. One validator and one message style for
both (``FILE: where: what is expected. Received: value``); the files are read by
:mod:`generator.userfiles` (size limits, no YAML aliases, duplicate keys refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import UserError, brief
from generator.key import ProblemType
from generator.sampler import Difficulty
from generator.userfiles import load_structured

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


EXAM_INSTRUCTIONS = (
    "Write every answer on its line. Shapes as Keras prints them, e.g. `(None, 26, 26, 32)`; "
    "parameter counts as whole numbers. Your variant code identifies your exam: copy it onto "
    "any extra sheet."
)


@dataclass(frozen=True)
class ExamConfig:
    """What every variant contains."""

    title: str
    difficulty: Difficulty
    problems: tuple[ProblemRequest, ...]
    instructions: str = EXAM_INSTRUCTIONS


DEFAULT_EXAM = {
    "title": "CNN shapes and parameters: exam",
    "difficulty": "standard",
    "problems": [
        {"type": "summary_table", "count": 1},
        {"type": "layer_shape", "count": 2},
        {"type": "layer_params", "count": 2},
        {"type": "inverse", "count": 1},
        {"type": "concept", "count": 2},
    ],
}


def exam_config_from_dict(data: Any, source: str) -> ExamConfig:
    """Validates an exam config: ``title``, ``difficulty``, ``problems: [{type, count}]``."""
    _expect(isinstance(data, dict), source, "expected a mapping with title, difficulty, problems", type(data).__name__)
    unknown = set(data) - {"title", "difficulty", "problems", "instructions"}
    _expect(not unknown, source, "unknown key(s); expected title, difficulty, problems, instructions", sorted(map(str, unknown)))
    levels = [d.value for d in Difficulty]
    level = data.get("difficulty", "standard")
    _expect(level in levels, f"{source}: difficulty", f"expected one of {', '.join(levels)}", level)
    title = data.get("title", DEFAULT_EXAM["title"])
    _expect(isinstance(title, str), f"{source}: title", "expected text", title)
    instructions = data.get("instructions", EXAM_INSTRUCTIONS)
    _expect(isinstance(instructions, str), f"{source}: instructions", "expected text", instructions)
    return ExamConfig(title, Difficulty(level), _problem_list(data.get("problems"), f"{source}: problems"), instructions)


def load_exam_config(path: str | Path | None) -> ExamConfig:
    """The exam config at ``path`` (YAML/JSON), or the default one."""
    if path is None:
        return exam_config_from_dict(DEFAULT_EXAM, "default exam config")
    return exam_config_from_dict(load_structured(path, "config", "--config"), str(path))
