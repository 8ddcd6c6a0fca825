"""Hypothesis strategies and assertion helpers shared by the tests (themselves tested in
test_helpers.py)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import math
import os
import random
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from generator.engine.layers import LAYER_TYPES, spatial_rank
from generator.engine.model import ModelSpec
from generator.errors import SpecError
from generator.key import Key, KeyKind, Paper, Problem
from generator.problems import generate
from generator.roster import Student
from generator.spec import build_layer, spec_from_dict

small = st.integers(min_value=1, max_value=6)
pair = st.one_of(small, st.tuples(small, small))
padding = st.sampled_from(["valid", "same"])

LAYER_ARGS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "Conv2D": st.fixed_dictionaries(
        {"filters": small, "kernel_size": pair},
        optional={"strides": pair, "padding": padding, "dilation_rate": pair, "use_bias": st.booleans(),
                  "groups": st.sampled_from([1, 2])},
    ),
    "Conv2DTranspose": st.fixed_dictionaries(
        {"filters": small, "kernel_size": pair},
        optional={"strides": pair, "padding": padding, "dilation_rate": pair, "use_bias": st.booleans(),
                  "output_padding": st.one_of(st.none(), st.integers(0, 3))},
    ),
    "DepthwiseConv2D": st.fixed_dictionaries(
        {"kernel_size": pair},
        optional={"strides": pair, "padding": padding, "dilation_rate": pair,
                  "depth_multiplier": st.integers(1, 3), "use_bias": st.booleans()},
    ),
    "SeparableConv2D": st.fixed_dictionaries(
        {"filters": small, "kernel_size": pair},
        optional={"strides": pair, "padding": padding, "dilation_rate": pair,
                  "depth_multiplier": st.integers(1, 3), "use_bias": st.booleans()},
    ),
    "MaxPooling2D": st.fixed_dictionaries(
        {"pool_size": pair}, optional={"strides": st.one_of(st.none(), pair), "padding": padding}
    ),
    "AveragePooling2D": st.fixed_dictionaries(
        {"pool_size": pair}, optional={"strides": st.one_of(st.none(), pair), "padding": padding}
    ),
    "GlobalMaxPooling2D": st.fixed_dictionaries({}, optional={"keepdims": st.booleans()}),
    "GlobalAveragePooling2D": st.fixed_dictionaries({}, optional={"keepdims": st.booleans()}),
    "Flatten": st.just({}),
    "Dense": st.fixed_dictionaries({"units": small}, optional={"use_bias": st.booleans()}),
    "Dropout": st.fixed_dictionaries({"rate": st.sampled_from([0.0, 0.25, 0.5])}),
    "Activation": st.fixed_dictionaries({"activation": st.sampled_from(["relu", "tanh"])}),
    "BatchNormalization": st.fixed_dictionaries(
        {}, optional={"center": st.booleans(), "scale": st.booleans(), "axis": st.sampled_from([-1, 3])}
    ),
    "ZeroPadding2D": st.one_of(
        st.fixed_dictionaries({"padding": st.integers(0, 3)}),
        st.fixed_dictionaries({"padding": st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)),
                                                     st.tuples(st.integers(0, 2), st.integers(0, 2)))}),
    ),
    "UpSampling2D": st.fixed_dictionaries({"size": pair}),
    "Reshape": st.fixed_dictionaries({"target_shape": st.one_of(
        st.just((-1,)), st.tuples(small, small, st.just(-1)), st.tuples(small, small, small),
        st.tuples(st.integers(1, 400)), st.tuples(small, st.just(-1)), st.tuples(small, small, small, st.just(-1)))}),
}

triple = st.one_of(small, st.tuples(small, small, small))
side = st.integers(0, 2)
for _rank, _axes in ((1, small), (3, triple)):
    LAYER_ARGS |= {
        f"Conv{_rank}D": st.fixed_dictionaries(
            {"filters": small, "kernel_size": _axes},
            optional={"strides": _axes, "padding": padding, "dilation_rate": _axes, "use_bias": st.booleans(),
                      "groups": st.sampled_from([1, 2])},
        ),
        **{f"{kind}Pooling{_rank}D": st.fixed_dictionaries(
            {"pool_size": _axes}, optional={"strides": st.one_of(st.none(), _axes), "padding": padding})
           for kind in ("Max", "Average")},
        **{f"Global{kind}Pooling{_rank}D": st.fixed_dictionaries({}, optional={"keepdims": st.booleans()})
           for kind in ("Max", "Average")},
        f"UpSampling{_rank}D": st.fixed_dictionaries({"size": _axes}),
    }
edges2 = st.one_of(st.integers(0, 3), st.tuples(side, side), st.tuples(st.tuples(side, side), st.tuples(side, side)))
LAYER_ARGS |= {
    "Cropping1D": st.fixed_dictionaries({"cropping": st.one_of(st.integers(0, 4), st.tuples(side, side))}),
    "Cropping2D": st.fixed_dictionaries({"cropping": edges2}),
    "Cropping3D": st.fixed_dictionaries({"cropping": st.one_of(
        st.integers(0, 3), st.tuples(side, side, side), st.tuples(*[st.tuples(side, side)] * 3))}),
    "RepeatVector": st.fixed_dictionaries({"n": small}),
    "Permute": st.fixed_dictionaries({"dims": st.sampled_from([(1,), (2, 1), (1, 2), (2, 1, 3), (3, 1, 2), (1, 3, 2)])}),
}
LAYER_ARGS["ZeroPadding1D"] = st.fixed_dictionaries({"padding": st.one_of(st.integers(0, 3), st.tuples(side, side))})
LAYER_ARGS["ZeroPadding3D"] = st.fixed_dictionaries({"padding": st.one_of(
    st.integers(0, 3), st.tuples(side, side, side), st.tuples(*[st.tuples(side, side)] * 3))})
_window1 = st.one_of(small, st.tuples(small))
LAYER_ARGS |= {
    "Conv1DTranspose": st.fixed_dictionaries(
        {"filters": small, "kernel_size": _window1},
        optional={"strides": _window1, "padding": padding, "dilation_rate": _window1, "use_bias": st.booleans(),
                  "output_padding": st.one_of(st.none(), st.integers(0, 3))}),
    "Conv3DTranspose": st.fixed_dictionaries(
        {"filters": small, "kernel_size": triple},
        optional={"strides": triple, "padding": padding, "use_bias": st.booleans(),
                  "output_padding": st.one_of(st.none(), st.integers(0, 2))}),
    "DepthwiseConv1D": st.fixed_dictionaries(
        {"kernel_size": _window1},
        optional={"strides": _window1, "padding": padding, "dilation_rate": _window1,
                  "depth_multiplier": st.integers(1, 3), "use_bias": st.booleans()}),
    "SeparableConv1D": st.fixed_dictionaries(
        {"filters": small, "kernel_size": _window1},
        optional={"strides": _window1, "padding": padding, "dilation_rate": _window1,
                  "depth_multiplier": st.integers(1, 3), "use_bias": st.booleans()}),
}
LAYER_ARGS["Conv1D"] = st.fixed_dictionaries(
    {"filters": small, "kernel_size": _window1},
    optional={"strides": _window1, "padding": st.sampled_from(["valid", "same", "causal"]), "dilation_rate": _window1,
              "use_bias": st.booleans(), "groups": st.sampled_from([1, 2])})
LAYER_ARGS["ReLU"] = st.fixed_dictionaries({}, optional={
    "max_value": st.sampled_from([None, 6.0, 1]), "negative_slope": st.sampled_from([0.0, 0.1]),
    "threshold": st.sampled_from([0.0, 0.5])})
LAYER_ARGS |= {name: st.just({}) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")}
LAYER_ARGS["Concatenate"] = st.fixed_dictionaries({}, optional={"axis": st.sampled_from([-1, -2, -3, 1, 2, 3])})
assert set(LAYER_ARGS) == set(LAYER_TYPES), "every layer type needs a strategy"


def rank_of(type_name: str) -> int:
    """The spatial axes of a layer type's input (``Conv1D``: 1, ``MaxPooling3D``: 3,
    ``RepeatVector``: 0, a flat vector; else 2).

    >>> rank_of("Conv1D"), rank_of("GlobalMaxPooling3D"), rank_of("Dense"), rank_of("RepeatVector")
    (1, 3, 2, 0)
    """
    return spatial_rank(type_name)


@st.composite
def single_layer_specs(draw: st.DrawFn) -> tuple[str, dict[str, Any], tuple[int, ...]]:
    """(layer type, Keras arguments, input shape): valid arguments, any geometry (often
    invalid: a kernel larger than the image, a stride with a dilation ...)."""
    type_name = draw(st.sampled_from(sorted(LAYER_ARGS)))
    args = draw(LAYER_ARGS[type_name])
    args.update(draw(st.fixed_dictionaries({}, optional={
        "trainable": st.booleans(), "name": st.sampled_from(["block1", "head"])})))
    sides = draw(st.lists(st.integers(1, 9), min_size=rank_of(type_name), max_size=rank_of(type_name)))
    shape = (*sides, draw(st.sampled_from([1, 2, 4])))
    return type_name, args, shape


MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")


def random_graph(rng: random.Random) -> dict[str, Any]:
    """A random functional model in the YAML/JSON form: a DAG of blocks (chains, residual blocks
    with identity or projection shortcuts, Inception-style branches joined by Concatenate,
    squeeze-and-excitation gates that broadcast), often valid and often not (a branch that
    strides where its partner does not, a shortcut with the wrong filters, a 'valid' branch
    among 'same' ones). Each block is drawn knowing the engine's shapes so far; Keras judges."""
    from generator.engine import analyze
    from generator.errors import GeometryError

    side, channels = rng.choice([6, 8, 12, 16, 32]), rng.choice([1, 3, 8, 16])
    data: dict[str, Any] = {"name": f"graph_{rng.randrange(10**6)}", "input_shape": [side, side, channels], "layers": []}
    shapes: dict[str, tuple[int, ...]] = {"input_layer": (side, side, channels)}

    def add(type_name: str, args: dict[str, Any], inputs: list[str]) -> str:
        name = f"n{len(data['layers'])}"
        data["layers"].append({type_name: {**args, "name": name}, "inputs": inputs})
        return name

    def conv(src: str, filters: int, kernel: int = 3, strides: int = 1, padding: str = "same") -> str:
        return add("Conv2D", {"filters": filters, "kernel_size": kernel, "strides": strides, "padding": padding}, [src])

    for _ in range(rng.randint(1, 4)):
        names = list(shapes)
        src = names[-1] if rng.random() < 0.7 else rng.choice(names)
        shape = shapes[src]
        c = shape[-1]
        kind = rng.choice(["chain", "residual", "residual", "inception", "inception", "gate"]) if len(shape) == 3 else "dense"
        if kind == "chain":
            x = src
            for _ in range(rng.randint(1, 2)):
                x = rng.choice([
                    lambda t: conv(t, rng.choice([4, 8]), rng.choice([1, 3]), rng.choice([1, 2]), rng.choice(["same", "valid"])),
                    lambda t: add("MaxPooling2D", {"pool_size": 2}, [t]),
                    lambda t: add("BatchNormalization", {}, [t]),
                    lambda t: add("ReLU", {"max_value": 6.0}, [t]),
                    lambda t: add("DepthwiseConv2D", {"kernel_size": 3, "padding": "same"}, [t]),
                ])(x)
        elif kind == "residual":
            filters = c if rng.random() < 0.5 else rng.choice([8, 16])
            stride = 2 if rng.random() < 0.3 else 1
            main = conv(src, filters, 3, stride)
            if rng.random() < 0.5:
                main = conv(add("BatchNormalization", {}, [main]), filters)
            if rng.random() < 0.4:
                short = src  # identity: right only when nothing changed
            else:
                wrong = rng.random() < 0.2
                short = conv(src, filters if not wrong else filters * 2, 1, stride if not wrong else 1, "valid")
            x = add(rng.choice(MERGES), {}, [short, main] if rng.random() < 0.5 else [main, short])
        elif kind == "inception":
            branches = []
            for _ in range(rng.randint(2, 4)):
                pick = rng.random()
                if pick < 0.3:
                    branches.append(conv(src, rng.choice([4, 8, 16]), 1))
                elif pick < 0.6:
                    branches.append(conv(conv(src, rng.choice([4, 8]), 1), rng.choice([8, 16]), rng.choice([3, 5]),
                                         padding="same" if rng.random() < 0.85 else "valid"))
                else:
                    pooled = add("MaxPooling2D", {"pool_size": 3, "strides": 1, "padding": "same"}, [src])
                    branches.append(conv(pooled, rng.choice([4, 8]), 1))
            axis = -1 if rng.random() < 0.8 else rng.choice([1, 2, -2, -3])
            x = add("Concatenate", {"axis": axis}, branches)
        elif kind == "gate":  # squeeze-and-excitation: a (1, 1, C) gate broadcast over the map
            pooled = add("GlobalAveragePooling2D", {"keepdims": True}, [src])
            squeeze = add("Dense", {"units": max(1, c // 4), "activation": "relu"}, [pooled])
            gate = add("Dense", {"units": c if rng.random() < 0.85 else c + 1, "activation": "sigmoid"}, [squeeze])
            x = add(rng.choice(["Multiply", "Add"]), {}, [src, gate])
        else:
            x = add("Dense", {"units": rng.choice([4, 10])}, [src])
        try:
            summary = analyze(spec_from_dict(_with_sinks(data), "graph"))
        except (GeometryError, SpecError):
            return _with_sinks(data)  # refused: stop here, Keras should refuse it too
        shapes = {"input_layer": shapes["input_layer"], **{r.name: r.output_shape for r in summary.records}}
    if rng.random() < 0.5:
        add("Dense", {"units": 10}, [add("GlobalAveragePooling2D", {}, [list(shapes)[-1]])]) if len(shapes[list(shapes)[-1]]) == 3 else None
    return _with_sinks(data)


def _with_sinks(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every layer no layer takes among its outputs."""
    taken = {name for entry in data["layers"] for name in entry["inputs"]}
    names = [next(iter(v for k, v in entry.items() if k != "inputs"))["name"] for entry in data["layers"]]
    return {**data, "outputs": [n for n in names if n not in taken]}


def try_build(type_name: str, args: dict[str, Any], shape: tuple[int, ...]) -> ModelSpec | str:
    """The one-layer model spec, or the engine's error message when the arguments are refused."""
    try:
        return ModelSpec(shape, (build_layer(type_name, args, "test"),))
    except SpecError as exc:
        return str(exc)


def assert_like_keras(verify: Any, spec: ModelSpec, case: Any) -> None:
    """Keras and the engine both refuse ``spec``, or both build it with the same shapes and
    counts (``verify`` is :mod:`generator.verify`; ``case`` is shown on a failure)."""
    from generator.engine import analyze
    from generator.errors import GeometryError

    keras_error = verify.keras_rejects(spec)
    try:
        summary = analyze(spec)
    except GeometryError as exc:
        assert keras_error, explain_mismatch("engine rejects, Keras builds", case, "a Keras error", str(exc))
        return
    assert keras_error is None, explain_mismatch("Keras rejects, engine accepts", case, keras_error, summary.to_dict())
    mismatches = verify.compare(summary)
    assert not mismatches, explain_mismatch("shape/params", case, "no mismatch", [str(m) for m in mismatches])


def explain_mismatch(label: str, inputs: Any, expected: Any, actual: Any) -> str:
    """An assertion message that prints the inputs, the expected and the actual value."""
    return f"{label}\n  inputs:   {inputs!r}\n  expected: {expected!r}\n  actual:   {actual!r}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass


@contextlib.contextmanager
def http_server(folder: Path) -> Iterator[int]:
    """Serves ``folder`` over plain http on 127.0.0.1 and a free port; yields the port (the
    browser tests of the worksheets' self-check and of the practice page)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def plain_http_page(chromium: Any, folder: Path, path: str) -> Iterator[Any]:
    """A browser page showing ``folder``'s ``path`` over plain http from a name that is not
    localhost, so without a secure context and without crypto.subtle (as on a school's intranet
    server). The name resolves to 127.0.0.1 inside this browser only; no proxy, so nothing leaves
    the machine."""
    from conftest import ARGS, CHROMIUM

    args = [*ARGS, "--no-proxy-server", "--host-resolver-rules=MAP worksheets.test 127.0.0.1"]
    with http_server(folder) as port:
        browser = chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page()
            page.goto(f"http://worksheets.test:{port}/{path}")
            assert page.evaluate("window.isSecureContext") is False
            assert page.evaluate("typeof window.crypto.subtle") == "undefined"
            yield page
        finally:
            browser.close()


def cli(*argv: str) -> tuple[int, str, str]:
    """Runs ``generator.cli.main(argv)`` in this process; returns (exit code, stdout, stderr).
    The one CLI harness of the tests (the ``run_cli`` fixture is this function)."""
    from generator.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def exam_key(students: int | list[Student] = 3, seed: int = 5, config: str | None = None) -> Key:
    """The one master-key builder of the tests: ``students`` students (``s000``, ``s001`` ...
    when a count) of the default exam config (or ``config``), as ``exam`` draws them."""
    from generator.configs import load_exam_config
    from generator.exam import build_master

    roster = [Student(f"s{i:03d}", f"Student {i}") for i in range(students)] if isinstance(students, int) else students
    return build_master(load_exam_config(config), seed, roster)


HOSTILE_NAMES = ('Zoë <Tester> & "Co"', "Łukasz 李雷", 'Ann {x}: ~#= \\ ]]> "q"\n\nLee')
"""Student names with every character an export format reserves (HTML, GIFT, CDATA), non-Latin
letters and line breaks: the names of :func:`covering_key`'s students."""

HOSTILE_TITLE = "CNN exam: 1/2 {mid} \\ <b>&"
"""The title of :func:`covering_key`: GIFT's reserved characters, Moodle's category separator
``/`` and HTML."""


def covering_key() -> Key:
    """A master key whose papers cover every way a problem becomes LMS questions, with hostile
    names and title.

    Three students (:data:`HOSTILE_NAMES`, ids ``s001`` ... ``s003``, seed 2026) each get seven
    generated problems: a summary table (table cloze), a layer shape (shape cloze), a layer's
    parameters with three int blanks, an inverse problem with a choice blank, one with a single
    int blank that has several right answers, a concept problem with two blanks and a one-int
    problem (numerical). Every answer is computed by the problem generators."""
    papers = tuple(
        Paper(Student(f"s00{i + 1}", name), f"K7Q-{i}M{i}", f"students/s00{i + 1}", _covering_problems(50 * i))
        for i, name in enumerate(HOSTILE_NAMES)
    )
    return Key(KeyKind.MASTER, HOSTILE_TITLE, papers, seed=2026, difficulty="standard")


def _covering_problems(offset: int) -> tuple[Problem, ...]:
    """One paper of :func:`covering_key`, drawn from seeds from ``offset``."""

    def one_int(p: Problem) -> bool:
        return len(p.blanks) == 1 and p.blanks[0].kind == "int"

    return (
        _find("summary_table", "standard", "q1", offset, lambda p: True),
        _find("layer_shape", "standard", "q2", offset, lambda p: True),
        _find("layer_params", "standard", "q3", offset, lambda p: len(p.blanks) == 3),
        _find("inverse", "standard", "q4", offset, lambda p: p.blanks[0].kind == "choice"),
        _find("inverse", "standard", "q5", offset, lambda p: one_int(p) and len(p.blanks[0].accepted) > 1),
        _find("concept", "advanced", "q6", offset, lambda p: len(p.blanks) == 2),
        _find("layer_params", "intro", "q7", offset, one_int),
    )


def _find(kind: str, level: str, pid: str, start: int, accept: Callable[[Problem], bool]) -> Problem:
    """The first generated problem (seeds from ``start``) that ``accept`` takes."""
    for seed in range(start, start + 2000):
        problem = generate(kind, random.Random(seed), level, pid)
        if accept(problem):
            return problem
    raise AssertionError(f"no {kind} problem found")  # pragma: no cover


def one_line_error(code: int, err: str, expected_code: int = 2) -> str:
    """Asserts the CLI's error contract (exit code, exactly one line on stderr, no traceback)
    and returns the line."""
    assert code == expected_code, (code, err)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and len(err) < 2000, err
    return err.rstrip("\n")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``folder`` (links not followed) with its bytes and mtime: equal
    snapshots mean nothing was touched."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            if path.is_symlink():
                out[str(path.relative_to(folder))] = (os.readlink(path).encode(), 0)
            elif path.is_file():
                out[str(path.relative_to(folder))] = (path.read_bytes(), path.stat().st_mtime_ns)
            else:
                out[str(path.relative_to(folder)) + "/"] = (b"", 0)
    return out


def eval_work(text: str) -> int:
    """Evaluates a worked form like ``floor((28 - 3)/2) + 1`` with exact rationals."""
    from fractions import Fraction

    expr = re.sub(r"(\d+)", r"Fraction(\1)", text)
    value = eval(expr, {"Fraction": Fraction, "floor": math.floor, "ceil": math.ceil, "max": max, "min": min})  # noqa: S307 - our own formula text
    assert value == int(value), text
    return int(value)


def check_formula_views(cases: dict[str, tuple[Any, Any]], data: Any) -> None:
    """For each rule of ``cases`` (name -> (formula, hypothesis strategy of its values)), draws
    values and checks that the integer evaluator, the sympy expression and the worked form agree."""
    for name, (formula, strategy) in cases.items():
        values = data.draw(strategy, label=name)
        fast = formula.value(**values)
        symbolic = formula.evaluate_sympy(**values)
        assert fast == symbolic, explain_mismatch(name, values, symbolic, fast)
        worked = eval_work(formula.work(**values).text)
        assert worked == fast, explain_mismatch(name + " (worked form)", values, fast, worked)
        assert formula.rule_for(formula.work(**values)).latex, name  # a general rule to show first
