"""Fuzzing the CLI with random bytes, random YAML/JSON trees and random CSV rows: for specs
(``explain``), worksheet configs, rosters and answer files (``check``), the only outcomes are
success or exit code 2 with one line on stderr; never a traceback, never an internal error."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import cli

SETTINGS = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**40, 10**40), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["Conv2D", "Dense", "same", "relu", "summary_table", "intro", "id", "layers"]),
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=12), st.sampled_from(
            ["input_shape", "layers", "filters", "kernel_size", "units", "worksheets", "problems", "type", "count",
             "name", "title", "difficulty", "instructions"])), children, max_size=4),
    ),
    max_leaves=25,
)
KEYS = ["input_shape", "layers", "worksheets", "problems"]
shaped = st.fixed_dictionaries({}, optional={k: trees for k in KEYS})


def _ok(result: tuple[int, str, str]) -> None:
    code, _, err = result
    assert "Traceback" not in err and "internal error" not in err, err
    if code != 0:
        assert code == 2, (code, err)
        assert err.count("\n") == 1 and err.startswith("error: "), err


def _dump(tree: Any, suffix: str) -> str:
    if suffix == ".json":
        return json.dumps(tree)
    return yaml.safe_dump(tree, allow_unicode=True)


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), trees.map(lambda t: ("tree", t)), shaped.map(lambda t: ("tree", t))),
       suffix=st.sampled_from([".yaml", ".json", ".py"]))
def test_explain_survives_anything(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"spec{suffix}"
        if isinstance(data, tuple):
            path.write_text(_dump(data[1], suffix) if suffix != ".py" else f"model = Sequential({data[1]!r})\n", encoding="utf-8")
        else:
            path.write_bytes(data)
        _ok(cli("explain", str(path), "--format", "json"))


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), trees.map(lambda t: ("tree", t)), shaped.map(lambda t: ("tree", t))))
def test_worksheet_configs_survive_anything(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        if isinstance(data, tuple):
            path.write_text(_dump(data[1], ".yaml"), encoding="utf-8")
        else:
            path.write_bytes(data)
        _ok(cli("worksheet", "--config", str(path), "--seed", "1", "--out", str(Path(tmp) / "out"), "--no-verify"))
        leftovers = [p.name for p in Path(tmp).iterdir() if p.name not in ("config.yaml", "out")]
        assert leftovers == []


cells = st.one_of(st.text(max_size=12), st.sampled_from(["id", "name", "s1", "S1", "s-1", "", '"', ";", "9" * 40]))


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@SETTINGS
@given(data=st.one_of(
    st.binary(max_size=200),
    st.lists(st.lists(cells, max_size=4), max_size=4).map(lambda rows: ("rows", [["id", "name"], *rows])),
))
def test_rosters_survive_anything(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.csv"
        if isinstance(data, tuple):
            path.write_text(_csv(data[1]), encoding="utf-8")
        else:
            path.write_bytes(data)
        _ok(cli("exam", "--roster", str(path), "--seed", "1", "--out", str(Path(tmp) / "out"), "--no-verify",
                "--config", str(Path(__file__).parent / "data" / "tiny_exam.yaml")))


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> tuple[Path, list[str]]:
    tmp = tmp_path_factory.mktemp("key")
    config = tmp / "c.yaml"
    config.write_text("title: T\nworksheets:\n  - name: a\n    problems:\n      - {type: layer_params, count: 2}\n")
    assert cli("worksheet", "--config", str(config), "--seed", "1", "--out", str(tmp / "ws"), "--no-verify")[0] == 0
    problems = json.loads((tmp / "ws" / "key.json").read_text())["problems"]
    return tmp / "ws" / "key.json", [f"{p['id']}.{b['id']}" for p in problems for b in p["blanks"]]


@SETTINGS
@given(data=st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(cells, min_size=0, max_size=5), max_size=5),
    st.lists(st.tuples(st.sampled_from(["ana", "bo", ""]), st.sampled_from(["w1p1.params", "w1p2.params", "x"]), cells),
             max_size=6),
))
def test_answer_files_survive_anything(key, data):
    path_key, _ = key
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        if isinstance(data, bytes):
            path.write_bytes(data)
        elif data and isinstance(data[0], tuple):
            path.write_text(_csv([["student_id", "question_id", "answer"], *map(list, data)]), encoding="utf-8")
        else:
            path.write_text(_csv(data), encoding="utf-8")
        _ok(cli("check", "--key", str(path_key), str(path), "--format", "json"))
