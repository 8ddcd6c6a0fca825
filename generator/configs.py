"""Worksheet and exam configs: what a build contains. One validator and one message style for
both (``FILE: where: what is expected. Received: value``); the files are read by
:mod:`generator.userfiles` (size limits, no YAML aliases, duplicate keys refused).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.engine import ModelSpec
from generator.errors import UserError, brief
from generator.key import MAX_POINTS, FollowThrough, Partial, ProblemType
from generator.problems import generate
from generator.problems.features import COVERS
from generator.problems.pytorch import TORCH_LAYER_CHOICES, TORCH_TOPICS
from generator.problems.pytorch_flavour import TORCH_GENERATORS
from generator.problems.slot import FINDS, LAYER_CHOICES, MODEL_TYPES, TOPICS, Slot
from generator.pytorch.zoo import TORCH_ZOO
from generator.sampler import Difficulty
from generator.spec import load_spec
from generator.userfiles import load_structured
from generator.zoo import PREFIX, ZOO, zoo_model

INSTRUCTIONS = (
    "Answer every box. Shapes are written as Keras prints them, with `None` for the batch axis, "
    "e.g. `(None, 26, 26, 32)`; parameter counts as whole numbers. Show your working on paper: "
    "the answer key has a worked solution for every question."
)


@dataclass(frozen=True)
class ProblemRequest:
    """``count`` problems for one slot of a config (its type and what it pins)."""

    slot: Slot
    count: int

    @property
    def type(self) -> ProblemType:
        """The problem type."""
        return self.slot.type


@dataclass(frozen=True)
class WorksheetConfig:
    """One worksheet of a config."""

    name: str
    title: str
    difficulty: Difficulty
    problems: tuple[ProblemRequest, ...]
    subtitle: str = ""
    covers: tuple[str, ...] = ()
    follow_through: FollowThrough | None = None
    partial: Partial | None = None
    framework: str = "keras"

    @property
    def slots(self) -> tuple[Slot, ...]:
        """One slot per problem, in order (a request with ``count: 3`` gives three)."""
        return tuple(r.slot for r in self.problems for _ in range(r.count))


@dataclass(frozen=True)
class Config:
    """A worksheet set: a title and its worksheets."""

    title: str
    worksheets: tuple[WorksheetConfig, ...]
    instructions: str = INSTRUCTIONS


def _expect(cond: bool, where: str, message: str, value: Any) -> None:
    if not cond:
        raise UserError(f"{where}: {message}. Received: {brief(value)}")


PROBLEM_KEYS = ("type", "count", "find", "topic", "layers", "model", "seed", "points")


FRAMEWORKS = ("keras", "pytorch")
"""The flavours a worksheet or exam is asked in (``framework:``)."""


def _framework(data: dict[str, Any], where: str) -> str:
    framework = data.get("framework", "keras")
    _expect(framework in FRAMEWORKS, f"{where}.framework", "expected keras or pytorch", framework)
    return str(framework)


def _problem_list(raw: Any, where: str, base: Path | None, framework: str = "keras") -> tuple[ProblemRequest, ...]:
    _expect(isinstance(raw, list) and bool(raw), where, "expected a non-empty list of {type, count}", raw)
    _expect(len(raw) <= 200, where, "expected at most 200 problem entries", len(raw))
    return tuple(_problem(item, f"{where}[{j}]", base, framework) for j, item in enumerate(raw))


def _problem(item: Any, w: str, base: Path | None, framework: str = "keras") -> ProblemRequest:
    _expect(isinstance(item, dict) and "type" in item, w, "expected {type: ..., count: N}", item)
    unknown = sorted(map(str, set(item) - set(PROBLEM_KEYS)))
    _expect(not unknown, w, f"unknown key(s); expected {', '.join(PROBLEM_KEYS)}", unknown)
    kinds = [t.value for t in ProblemType]
    _expect(item["type"] in kinds, f"{w}.type", f"expected one of {', '.join(kinds)}", item["type"])
    kind = ProblemType(item["type"])
    torch = framework == "pytorch"
    if torch:
        _expect(kind in TORCH_GENERATORS, f"{w}.type", "PyTorch's flavour asks summary_table, layer_shape, layer_params "
                "and concept problems", item["type"])
    count = item.get("count", 1)
    _expect(_whole(count) and 1 <= count <= 200, f"{w}.count", "expected a whole number from 1 to 200", count)
    find, topic, layers = item.get("find"), item.get("topic"), item.get("layers")
    if find is not None:
        _expect(kind is ProblemType.INVERSE, f"{w}.find", "only an inverse problem takes find", find)
        _expect(find in FINDS, f"{w}.find", f"expected one of {', '.join(FINDS)}", find)
    if topic is not None:
        _expect(kind is ProblemType.CONCEPT, f"{w}.topic", "only a concept problem takes topic", topic)
        topics = TORCH_TOPICS if torch else TOPICS
        _expect(topic in topics, f"{w}.topic", f"expected one of {', '.join(topics)}" + (" (PyTorch's topics)" if torch else ""), topic)
    if layers is not None:
        choices = (TORCH_LAYER_CHOICES if torch else LAYER_CHOICES).get(kind)
        _expect(choices is not None, f"{w}.layers", "only layer_shape and layer_params problems take layers", layers)
        assert choices is not None
        _expect(isinstance(layers, list) and bool(layers) and all(isinstance(t, str) for t in layers), f"{w}.layers",
                "expected a non-empty list of layer types", layers)
        for t in layers:
            _expect(t in choices, f"{w}.layers", f"expected layer types from {', '.join(choices)}", t)
    seed = item.get("seed")
    _expect(seed is None or _whole(seed) and 0 <= seed < 2**63, f"{w}.seed",
            "expected a whole number from 0 to 2**63 - 1 (another number re-rolls this slot)", seed)
    points = item.get("points")
    _expect(points is None or isinstance(points, int | float) and not isinstance(points, bool)
            and 0 < points <= MAX_POINTS, f"{w}.points", f"expected a number of points from 0 to {MAX_POINTS:,}", points)
    model, ref = None, ""
    if "model" in item:
        _expect(kind in MODEL_TYPES, f"{w}.model", "an inverse problem cannot be about a given model", item["model"])
        _expect(not torch or kind is ProblemType.SUMMARY_TABLE, f"{w}.model",
                "in PyTorch's flavour, only a summary_table problem is about a given model", item["model"])
        ref = item["model"]
        _expect(isinstance(ref, str) and 0 < len(ref) <= 1000, f"{w}.model",
                "expected a spec file (YAML, JSON or Keras .py, relative to the config) or zoo:NAME", ref)
        model = _model(ref, f"{w}.model", base)
    zoo = {**ZOO, **TORCH_ZOO}
    title = "" if model is None else zoo[ref.removeprefix(PREFIX)].name if ref.startswith(PREFIX) else f"the model of `{Path(ref).name}`"
    slot = Slot(kind, find, topic, tuple(layers or ()), model, ref, seed, title, None if points is None else float(points),
                framework)
    if model is not None:
        _check_model_slot(slot, f"{w}.model")
    return ProblemRequest(slot, count)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _model(ref: str, where: str, base: Path | None) -> ModelSpec:
    if ref.startswith(PREFIX) and ref.removeprefix(PREFIX) in TORCH_ZOO:
        return TORCH_ZOO[ref.removeprefix(PREFIX)].spec
    if ref.startswith(PREFIX):
        try:
            return zoo_model(ref)
        except ValueError as exc:
            raise UserError(f"{where}: {exc}") from None
    path = Path(ref)
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        return load_spec(path)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None


def _check_model_slot(slot: Slot, where: str) -> None:
    """Refuses a model the slot's question cannot be asked about, naming the slot."""
    try:
        generate(slot, random.Random(0), Difficulty.STANDARD, "check")
    except ValueError as exc:
        raise UserError(f"{where}: {slot.model_ref}: {exc}") from None


POLICIES = ("follow_through", "partial")
"""The grading policies a config may set; its key carries them to ``check`` (None: unset)."""


def _policies(data: dict[str, Any], where: str, inherited: dict[str, Any] | None = None) -> dict[str, Any]:
    """``follow_through`` (``full``, ``half``, ``off``) and ``partial`` (``axes``, ``off``) of a
    config mapping, each None when unset there (or the ``inherited`` value)."""
    out: dict[str, Any] = {}
    for name, kind in zip(POLICIES, (FollowThrough, Partial), strict=True):
        value = data.get(name)
        choices = [p.value for p in kind]
        _expect(value is None or value in choices, f"{where}: {name}", f"expected one of {', '.join(choices)}", value)
        out[name] = kind(value) if value is not None else (inherited or {}).get(name)
    return out


def config_from_dict(data: Any, source: str, base: Path | None = None) -> Config:
    """Validates a worksheet config (already loaded from YAML/JSON); spec files it names are
    read relative to ``base`` (the config's folder)."""
    _expect(isinstance(data, dict), source, "expected a mapping with 'title' and 'worksheets'", type(data).__name__)
    unknown = set(data) - {"title", "worksheets", "instructions", *POLICIES}
    _expect(not unknown, source, "unknown key(s); expected title, worksheets, instructions, follow_through, partial",
            sorted(map(str, unknown)))
    defaults = _policies(data, source)  # every worksheet's, unless it sets its own
    title = data.get("title", "CNN worksheets")
    _expect(isinstance(title, str), f"{source}: title", "expected text", title)
    raw = data.get("worksheets")
    _expect(isinstance(raw, list) and bool(raw), f"{source}: worksheets", "expected a non-empty list", raw)
    sheets = []
    for i, ws in enumerate(raw):
        where = f"{source}: worksheets[{i}]"
        _expect(isinstance(ws, dict), where, "expected a mapping", ws)
        unknown = set(ws) - {"name", "title", "subtitle", "difficulty", "problems", "covers", "framework", *POLICIES}
        _expect(not unknown, where, "unknown key(s); expected name, title, subtitle, difficulty, problems, covers, "
                "framework, follow_through, partial", sorted(map(str, unknown)))
        policies = _policies(ws, where, defaults)
        covers = ws.get("covers", [])
        _expect(isinstance(covers, list) and all(isinstance(t, str) for t in covers), f"{where}.covers",
                "expected a list of topics", covers)
        for topic in covers:
            _expect(topic in COVERS, f"{where}.covers", f"expected topics from {', '.join(COVERS)}", topic)
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
            _problem_list(ws.get("problems"), f"{where}.problems", base, _framework(ws, where)), ws.get("subtitle", ""),
            tuple(dict.fromkeys(covers)), policies["follow_through"], policies["partial"], _framework(ws, where),
        ))
    names = [s.name for s in sheets]
    _expect(len(set(names)) == len(names), f"{source}: worksheets", "names must be unique", names)
    instructions = data.get("instructions", INSTRUCTIONS)
    _expect(isinstance(instructions, str), f"{source}: instructions", "expected text", instructions)
    return Config(title, tuple(sheets), instructions)


def load_config(path: str | Path) -> Config:
    """Reads a YAML or JSON worksheet config."""
    return config_from_dict(load_structured(path, "config", "--config"), str(path), Path(path).parent)


EXAM_INSTRUCTIONS = (
    "Write every answer on its line. Shapes as Keras prints them, e.g. `(None, 26, 26, 32)`; "
    "parameter counts as whole numbers. Your variant code identifies your exam: copy it onto "
    "any extra sheet."
)


TORCH_INSTRUCTIONS = (
    "Answer every box. Shapes are written as PyTorch prints them, batch first and channels next, e.g. "
    "`[64, 32, 26, 26]`; parameter counts as whole numbers. Show your working on paper: the answer key has a "
    "worked solution for every question."
)
"""The instructions of a PyTorch worksheet (unless the config gives its own)."""

TORCH_EXAM_INSTRUCTIONS = (
    "Write every answer on its line. Shapes as PyTorch prints them, batch first, e.g. `[64, 32, 26, 26]`; "
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
    follow_through: FollowThrough | None = None
    partial: Partial | None = None


DEFAULT_EXAM_CONFIG = Path(__file__).resolve().parent.parent / "configs" / "exam.yaml"
"""The exam ``exam`` builds without ``--config`` (and ``make exam`` builds): the one default."""


def exam_config_from_dict(data: Any, source: str, base: Path | None = None) -> ExamConfig:
    """Validates an exam config: ``title``, ``difficulty``, ``problems: [{type, count}]``, and the
    grading policies ``follow_through`` (``full``, ``half``, ``off``) and ``partial`` (``axes``,
    ``off``), which the master key carries to ``check``."""
    _expect(isinstance(data, dict), source, "expected a mapping with title, difficulty, problems", type(data).__name__)
    unknown = set(data) - {"title", "difficulty", "problems", "instructions", "framework", "follow_through", "partial"}
    _expect(not unknown, source, "unknown key(s); expected title, difficulty, problems, instructions, framework, "
            "follow_through, partial", sorted(map(str, unknown)))
    framework = _framework(data, source)
    policies = _policies(data, source)
    levels = [d.value for d in Difficulty]
    level = data.get("difficulty", "standard")
    _expect(level in levels, f"{source}: difficulty", f"expected one of {', '.join(levels)}", level)
    title = data.get("title", "CNN shapes and parameters: exam")
    _expect(isinstance(title, str), f"{source}: title", "expected text", title)
    instructions = data.get("instructions", EXAM_INSTRUCTIONS if framework == "keras" else TORCH_EXAM_INSTRUCTIONS)
    _expect(isinstance(instructions, str), f"{source}: instructions", "expected text", instructions)
    return ExamConfig(title, Difficulty(level), _problem_list(data.get("problems"), f"{source}: problems", base, framework), instructions,
                      policies["follow_through"], policies["partial"])


def load_exam_config(path: str | Path | None) -> ExamConfig:
    """The exam config at ``path`` (YAML/JSON), or the default one (:data:`DEFAULT_EXAM_CONFIG`)."""
    if path is None:
        path = DEFAULT_EXAM_CONFIG
    return exam_config_from_dict(load_structured(path, "config", "--config"), str(path), Path(path).parent)
