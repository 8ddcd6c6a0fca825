"""The practice page: one self-contained HTML file with a bank of pregenerated problems of every
type and sub-type, for a student to work through one at a time, offline.

The bank is drawn by the same problem generators as the worksheets, one :class:`Topic` per
problem type and sub-type (the summary table; ``layer_shape`` and ``layer_params`` per layer
type; ``inverse`` per ``find``; ``concept`` per ``topic``). Each topic holds up to ``per_type``
distinct problems, drawn at the three levels in turn (intro, standard, advanced): a student
meets the whole range of a topic by default and may keep to one level on the page. A topic whose
questions run out sooner (Flatten has 14 different ones) holds what there is.

Each problem is stored as its question (the worksheets' HTML: answer boxes with salted digests
checked by the worksheets' own JavaScript, numbered where a figure names them, and slots for its
figures), its worked solution with the answers (the key's MathML), its figures as inline SVG
(the student's and the key's, from :mod:`generator.figures`) and its level. Practice is not
graded, so the solution may be on the page; it is shown only after a first attempt. A topic's
problems are one JSON object (a list per field; each distinct figure stored once), compressed
with zlib and base64-encoded into the page; the browser unpacks a topic when it is first picked
(``DecompressionStream``).

Size: the default, 180 problems per topic, is 7,520 problems of 51 topics; zlib and base64 make
them a 4.8 MB page, under the 5 MB it may take. The
figures, half of it, are written to compress: whole-pixel coordinates, relative paths (a grid's
lines, a kernel's taps and boxes of one size are the same characters), patterns only where used.

Same seed and ``per_type`` -> byte-identical page (no timestamps; every draw is seeded from the
seed, the topic and the draw's number).
"""

from __future__ import annotations

import base64
import json
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from generator.catalog import description
from generator.documents import document_context, notation_data
from generator.engine.layers import spatial_rank
from generator.key import Problem, ProblemType
from generator.output import Progress, atomic_dir, derive_seed, write_text
from generator.parallel import cores, ordered_map
from generator.problems import generate
from generator.problems.slot import FINDS, LAYER_CHOICES, TOPICS, Slot
from generator.render import markdown_to_html, render, shipped_environment
from generator.sampler import Difficulty

DEFAULT_PER_TYPE = 180
"""Problems per topic in the default bank: the page stays under 5 MB (see the module's
docstring; a test measures it)."""

MAX_PER_TYPE = 1000
"""The most ``--per-type`` accepts."""

LEVELS = tuple(Difficulty)
"""The levels a topic's problems are drawn at, in turn."""

DRAWS_PER_PROBLEM = 5
"""Draws a topic gets per problem it holds (at least :data:`MIN_DRAWS`): repeats are dropped, so
a topic with few different questions stops there."""

MIN_DRAWS = 300

PATIENCE = 150
"""A topic stops drawing after this many repeats in a row: it has shown what it has."""

STORAGE_PREFIX = "cnn-worksheets-practice"
"""The page keeps its tally in ``localStorage`` under ``{STORAGE_PREFIX}:{seed}``."""


@dataclass(frozen=True)
class Topic:
    """One entry of the page's topic list: a problem type, or one sub-type of it.

    Attributes:
        id: Stable across builds (``layer_shape:Conv2D``, ``inverse:stride``); the tally's key.
        type: The problem type (the list's group).
        name: The sub-type (``Conv2D``, ``stride``, ``conv_one``); empty for the summary table.
        description: What the student works out (from :mod:`generator.catalog`).
        slot: What the problems are drawn for.
    """

    id: str
    type: ProblemType
    name: str
    description: str
    slot: Slot


_RANKS = {1: ("1D", "1-D layers (sequences)"), 3: ("3D", "3-D layers (volumes)")}
"""The practice topics that gather a problem type's 1-D and 3-D layer types."""


def topics() -> tuple[Topic, ...]:
    """Every topic of the page, grouped by problem type in the catalog's order.

    An image layer type is a topic of its own; the 1-D (sequence) and the 3-D (volume) layer
    types of a problem type are one topic each, where there are several.

    >>> [t.id for t in topics()][:2], len(topics())
    (['summary_table', 'layer_shape:Conv2D'], 51)
    >>> next(t for t in topics() if t.id == "layer_shape:1D").name
    '1-D layers (sequences)'
    """
    kind = ProblemType.SUMMARY_TABLE
    found = [Topic(kind.value, kind, "", description("type", kind.value), Slot(kind))]
    for kind, layers in LAYER_CHOICES.items():
        groups: dict[tuple[str, str], list[str]] = {}  # (id suffix, name) -> its layer types
        for layer in layers:
            groups.setdefault(_RANKS.get(spatial_rank(layer), (layer, layer)), []).append(layer)
        for (tag, name), members in groups.items():
            if len(members) == 1:  # a group of one is that layer's own topic
                tag = name = members[0]
            found.append(Topic(f"{kind.value}:{tag}", kind, name, description("type", kind.value),
                               Slot(kind, layers=tuple(members))))
    kind = ProblemType.INVERSE
    found += [Topic(f"{kind.value}:{f}", kind, f, description("find", f), Slot(kind, find=f)) for f in FINDS]
    kind = ProblemType.CONCEPT
    found += [Topic(f"{kind.value}:{t}", kind, t, description("topic", t), Slot(kind, topic=t)) for t in TOPICS]
    return tuple(found)


def topic_problems(topic: Topic, number: int, seed: int, per_type: int) -> list[Problem]:
    """Up to ``per_type`` different problems of ``topic`` (the levels in turn), with ids
    ``t{number}v{n}``; a question drawn again is dropped.

    >>> [p.id for p in topic_problems(topics()[1], 1, 7, 2)]
    ['t1v0', 't1v1']
    """
    found: dict[tuple[object, ...], Problem] = {}
    repeats = 0
    for draw in range(max(per_type * DRAWS_PER_PROBLEM, MIN_DRAWS)):
        if len(found) >= per_type or repeats >= PATIENCE:
            break
        rng = random.Random(derive_seed(seed, "practice", topic.id, draw))
        problem = generate(topic.slot, rng, LEVELS[draw % len(LEVELS)], "p")
        question = (problem.prompt, problem.code, tuple(b.answer for b in problem.blanks))
        repeats = repeats + 1 if question in found else 0
        if question not in found:
            found[question] = replace(problem, id=f"t{number}v{len(found)}")
    return list(found.values())


def practice_bank(seed: int, per_type: int = DEFAULT_PER_TYPE) -> list[tuple[Topic, list[Problem]]]:
    """Every topic with its problems, as the page holds them (tests regenerate it to answer)."""
    return [(topic, topic_problems(topic, number, seed, per_type)) for number, topic in enumerate(topics())]


def salt_of(seed: int) -> str:
    """The salt of the page's answer digests."""
    return f"{derive_seed('practice-salt', seed):016x}"


def problem_record(env: jinja2.Environment, problem: Problem, salt: str) -> dict[str, Any]:
    """One problem as the page stores it: its level; its question as HTML (heading, prompt, code,
    a slot for each figure and the answer boxes with salted digests, numbered where a figure
    names them: as a worksheet asks it); its worked solution with the answers (the key's
    MathML); and its figures as inline SVG, the student's by slot name (``figures``) and the
    key's in order (``key_figures``).

    The problem is drawn under the id ``p``: one problem is on the page at a time, and the same
    figure of two problems is then the same text, stored once (:func:`pack`)."""
    context = document_context(problem.title, "", problem.difficulty, None, salt, [replace(problem, id="p")], "")
    item, figures = context["problems"][0], context["figures"]
    question = markdown_to_html(render(env, "practice_question.md.j2", {"p": item}))
    solution = render(env, "solution.html.j2", {
        "solution": item["solution"], "notation": notation_data(problem.solution),
        "answers": [{"label": b["label"], "shown": b["shown"]} for b in item["blanks"]], "mode": "mathml",
    })
    return {
        "level": problem.difficulty, "question": question.strip(), "solution": solution.strip(),
        "figures": {f["name"]: figures[f["name"]].svg for f in item["figures"]},
        "key_figures": [figures[f["name"]].svg for f in item["key_figures"]],
    }


COLUMNS = ("level", "question", "solution", "figures", "key_figures")
"""The fields of a problem's record, each stored as one list per topic (:func:`pack`)."""


def pack(records: Sequence[dict[str, Any]]) -> str:
    """A topic's records as the page holds them: each figure stored once, in ``svg``, and named by
    its index in a problem's ``figures`` (slot name -> index) and ``key_figures``; each field a
    list over the problems (like strings side by side compress better: 7 % smaller than a list
    of records); compact JSON, zlib-compressed (deterministic), base64-encoded. The page reads it
    back with ``DecompressionStream("deflate")``.

    >>> import base64, zlib
    >>> records = [{"level": "intro", "question": "<h2>Q</h2>", "solution": "<p>S</p>",
    ...             "figures": {"p-strip": "<svg/>"}, "key_figures": ["<svg/>"]}]
    >>> bank = json.loads(zlib.decompress(base64.b64decode(pack(records))))
    >>> bank["svg"], bank["figures"], bank["key_figures"], bank["question"]
    (['<svg/>'], [{'p-strip': 0}], [[0]], ['<h2>Q</h2>'])
    """
    svg: dict[str, int] = {}

    def stored(text: str) -> int:
        return svg.setdefault(text, len(svg))

    columns: dict[str, list[Any]] = {column: [] for column in COLUMNS}
    for r in records:
        columns["level"].append(r["level"])
        columns["question"].append(r["question"])
        columns["solution"].append(r["solution"])
        columns["figures"].append({name: stored(text) for name, text in r["figures"].items()})
        columns["key_figures"].append([stored(text) for text in r["key_figures"]])
    data = json.dumps({"svg": list(svg), **columns}, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


@dataclass(frozen=True)
class TopicBank:
    """One topic's part of the page: how many problems it holds at each level, and the packed
    records (:func:`pack`)."""

    levels: dict[str, int]
    data: str

    @property
    def count(self) -> int:
        """The problems the topic holds."""
        return sum(self.levels.values())


def topic_bank(job: tuple[int, int, int]) -> TopicBank:
    """The packed problems of topic number ``job[0]`` for seed ``job[1]`` and ``job[2]`` problems
    per topic (a module-level function of picklable values: it runs in worker processes)."""
    number, seed, per_type = job
    problems = topic_problems(topics()[number], number, seed, per_type)
    env, salt = shipped_environment(), salt_of(seed)
    levels = [p.difficulty for p in problems]
    return TopicBank({level.value: levels.count(level.value) for level in LEVELS},
                     pack([problem_record(env, p, salt) for p in problems]))


PARALLEL_PER_TYPE = 20
"""The smallest ``per_type`` whose bank is drawn in worker processes (one topic each), when the
machine has more than one core."""


@dataclass(frozen=True)
class PracticeBuild:
    """What a build wrote: the page, its size in bytes, and the problems per topic id."""

    page: Path
    size: int
    counts: dict[str, int]


def practice_page(seed: int, per_type: int = DEFAULT_PER_TYPE, progress: Progress | None = None) -> tuple[str, dict[str, int]]:
    """The page's HTML and the number of problems per topic id."""
    all_topics = topics()
    jobs = [(number, seed, per_type) for number in range(len(all_topics))]
    workers = cores() if per_type >= PARALLEL_PER_TYPE else 0
    groups: dict[ProblemType, list[dict[str, Any]]] = {}
    banks = []
    with ordered_map(topic_bank, jobs, workers) as results:
        for (number, topic), bank in zip(enumerate(all_topics), results, strict=True):
            groups.setdefault(topic.type, []).append({
                "number": number, "id": topic.id, "name": topic.name, "description": topic.description,
                "count": bank.count, "levels": bank.levels,
            })
            banks.append({"number": number, "data": bank.data})
            if progress is not None:
                progress.advance(1, f"drew {topic.id}")
    counts = {t["id"]: t["count"] for ts in groups.values() for t in ts}
    html = render(shipped_environment(), "practice.html.j2", {
        "seed": seed, "salt": salt_of(seed), "storage_key": f"{STORAGE_PREFIX}:{seed}",
        "groups": [{"type": kind.value, "description": description("type", kind.value), "topics": ts}
                   for kind, ts in groups.items()],
        "levels": [level.value for level in LEVELS], "banks": banks,
        "problem_count": sum(counts.values()),
    })
    return html, counts


def build_practice(out: str | Path, seed: int, per_type: int = DEFAULT_PER_TYPE) -> PracticeBuild:
    """Writes the practice page to ``out/index.html`` (the folder replaced atomically)."""
    if not 1 <= per_type <= MAX_PER_TYPE:
        raise ValueError(f"per_type must be from 1 to {MAX_PER_TYPE}, got {per_type}")
    out = Path(out)
    progress = Progress(len(topics()), "drawing")
    with atomic_dir(out, "practice") as tmp:
        html, counts = practice_page(seed, per_type, progress)
        write_text(tmp / "index.html", html)
    progress.close()
    return PracticeBuild(out / "index.html", len(html.encode()), counts)
