"""Parse and validate architecture specs into frozen :class:`~generator.engine.ModelSpec` values.

Three input forms, one result:

* YAML (``.yaml``/``.yml``) or JSON (``.json``): ``input_shape`` and a list of ``layers``, each a
  one-key mapping ``{LayerType: {keras_argument: value}}``, with Keras' names and defaults;
* Keras Sequential source (``.py``) in the seed notebook's style, read with :mod:`ast` and
  ``ast.literal_eval`` only: it is never executed, and statements that do not build the model
  (imports, ``os.system(...)``, ``fit``) are ignored.

Every problem is a :class:`~generator.errors.SpecError` whose one-line message names the file,
the layer index and type, the argument and the value received.

>>> spec = spec_from_dict({"input_shape": [28, 28, 1],
...                        "layers": [{"Conv2D": {"filters": 32, "kernel_size": 3}}]})
>>> spec.layers[0].kernel_size
(3, 3)
"""

from __future__ import annotations

import ast
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from generator.engine.layers import LAYER_TYPES, Layer, Padding
from generator.engine.model import ModelSpec
from generator.errors import SpecError, UserError

MAX_DIM = 100_000
"""Largest accepted size or count: big enough for any teaching example, small enough that a typo
(an extra zero or ten) is caught."""

# Keras arguments that never change a shape or a parameter count: accepted and ignored.
_NO_EFFECT = frozenset(
    {
        "name", "dtype", "trainable", "seed", "noise_shape", "momentum", "epsilon",
        "interpolation", "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
        "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
        "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint",
        "beta_initializer", "gamma_initializer", "moving_mean_initializer",
        "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
        "beta_constraint", "gamma_constraint", "lora_rank", "lora_alpha", "synchronized",
    }
)
# Arguments that are accepted only with the value that our engine models.
_FIXED = {"data_format": ("channels_last", None), "axis": (-1, 3)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pos_int(value: Any) -> int:
    if not _is_int(value) or not 0 < value <= MAX_DIM:
        raise ValueError(f"expected a positive integer (at most {MAX_DIM})")
    return value


def _nonneg_int(value: Any) -> int:
    if not _is_int(value) or not 0 <= value <= MAX_DIM:
        raise ValueError(f"expected a non-negative integer (at most {MAX_DIM})")
    return value


def _pair_of(value: Any, item: Any) -> tuple[int, int]:
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError("expected an integer or a pair of integers")
        return item(value[0]), item(value[1])
    return item(value), item(value)


def _pair(value: Any) -> tuple[int, int]:
    try:
        return _pair_of(value, _pos_int)
    except ValueError:
        raise ValueError("expected a positive integer or a pair of positive integers") from None


def _nonneg_pair(value: Any) -> tuple[int, int]:
    try:
        return _pair_of(value, _nonneg_int)
    except ValueError:
        raise ValueError(
            "expected a non-negative integer or a pair of non-negative integers"
        ) from None


def _pad2(value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(value, list | tuple) and len(value) == 2 and all(
        isinstance(v, list | tuple) for v in value
    ):
        return _nonneg_pair(value[0]), _nonneg_pair(value[1])
    try:
        h, w = _nonneg_pair(value)
    except ValueError:
        raise ValueError(
            "expected an integer, a pair (rows, cols) or a pair of pairs "
            "((top, bottom), (left, right)) of non-negative integers"
        ) from None
    return (h, h), (w, w)


def _padding(value: Any) -> Padding:
    if isinstance(value, str) and value.lower() in {p.value for p in Padding}:
        return Padding(value.lower())
    raise ValueError("expected 'valid' or 'same'")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError("expected a number in [0, 1)")
    return float(value)


def _name(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("expected a string")
    return value


_COERCE = {
    "pos_int": _pos_int,
    "pair": _pair,
    "pair_or_none": lambda v: None if v is None else _pair(v),
    "nonneg_pair_or_none": lambda v: None if v is None else _nonneg_pair(v),
    "padding": _padding,
    "bool": _bool,
    "rate": _rate,
    "name": _name,
    "pad2": _pad2,
}


def supported_layers() -> str:
    """The supported layer types, for error messages."""
    return ", ".join(LAYER_TYPES)


def build_layer(type_name: Any, args: Any, where: str) -> Layer:
    """Builds one validated layer spec from its Keras type name and keyword arguments.

    Args:
        type_name: Keras class name, e.g. ``"Conv2D"``.
        args: Keras keyword arguments (a mapping).
        where: Prefix for error messages, e.g. ``"model.yaml: layer 2"``.

    >>> build_layer("MaxPooling2D", {"pool_size": 2}, "x").pool_size
    (2, 2)
    >>> build_layer("Conv3D", {}, "spec.yaml: layer 0")
    Traceback (most recent call last):
    ...
    generator.errors.SpecError: spec.yaml: layer 0: unknown layer type 'Conv3D'; supported: Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout, Activation, BatchNormalization, ZeroPadding2D, UpSampling2D
    """
    cls = LAYER_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise SpecError(f"{where}: unknown layer type {type_name!r}; supported: {supported_layers()}")
    where = f"{where} ({type_name})"
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise SpecError(f"{where}: arguments must be a mapping of Keras argument names to values. Received: {args!r}")
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, raw in args.items():
        if key in known:
            try:
                values[key] = _COERCE[known[key].metadata["kind"]](raw)
            except ValueError as exc:
                raise SpecError(f"{where}: argument '{key}': {exc}. Received: {key}={raw!r}") from None
        elif key in _FIXED:
            if raw not in _FIXED[key]:
                raise SpecError(
                    f"{where}: argument '{key}' is supported only as {_FIXED[key][0]!r} (channels_last). Received: {key}={raw!r}"
                )
        elif key not in _NO_EFFECT:
            raise SpecError(
                f"{where}: unknown argument '{key}'; {type_name} takes: {', '.join(known)}. Received: {key}={raw!r}"
            )
    missing = [f.name for f in fields(cls) if f.metadata.get("required") and f.name not in values]
    if missing:
        raise SpecError(f"{where}: missing required argument(s): {', '.join(missing)}")
    try:
        return cls(**values)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None


def _input_shape(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or len(value) not in (1, 3):
        raise SpecError(
            f"{where}: input_shape must be [H, W, C] (channels_last) or [N]. Received: input_shape={value!r}"
        )
    try:
        return tuple(_pos_int(v) for v in value)
    except ValueError as exc:
        raise SpecError(f"{where}: input_shape: {exc}. Received: input_shape={value!r}") from None


def spec_from_dict(data: Any, source: str = "spec") -> ModelSpec:
    """Validates the YAML/JSON form (already loaded) into a :class:`ModelSpec`."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with 'input_shape' and 'layers'. Received: {type(data).__name__}")
    unknown = set(data) - {"name", "input_shape", "layers"}
    if unknown:
        raise SpecError(f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; expected: name, input_shape, layers")
    if "input_shape" not in data:
        raise SpecError(f"{source}: missing 'input_shape' (e.g. input_shape: [28, 28, 1])")
    shape = _input_shape(data["input_shape"], source)
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError(f"{source}: 'layers' must be a non-empty list. Received: {raw_layers!r}")
    layers = []
    for index, entry in enumerate(raw_layers):
        where = f"{source}: layer {index}"
        if isinstance(entry, str):
            entry = {entry: {}}
        if not isinstance(entry, dict) or len(entry) != 1:
            raise SpecError(f"{where}: expected a one-key mapping like {{Conv2D: {{filters: 32, kernel_size: 3}}}}. Received: {entry!r}")
        ((type_name, args),) = entry.items()
        layers.append(build_layer(type_name, args, where))
    name = data.get("name", "model")
    if not isinstance(name, str):
        raise SpecError(f"{source}: 'name' must be a string. Received: {name!r}")
    return ModelSpec(shape, tuple(layers), name)


def read_text_file(path: Path, label: str = "", error: type[UserError] = SpecError) -> str:
    """A user's UTF-8 text file; a missing, unreadable or non-UTF-8 file is one clear ``error``
    naming it (``label`` is the option it came from, e.g. ``--config``)."""
    where = f"{label} {path}".strip()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{where}: no such file") from None
    except UnicodeDecodeError as exc:
        raise error(f"{where}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{where}: cannot read: {exc.strerror}") from None


def load_yaml_file(path: str | Path, label: str) -> Any:
    """Reads and safe-loads a YAML (or JSON) config file."""
    path = Path(path)
    return load_yaml(read_text_file(path, label, UserError), str(path))


def load_spec(path: str | Path) -> ModelSpec:
    """Reads a spec file: ``.yaml``/``.yml``, ``.json`` or Keras source ``.py``."""
    path = Path(path)
    text = read_text_file(path)
    suffix = path.suffix.lower()
    if suffix == ".py":
        return parse_python(text, str(path))
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    elif suffix in (".yaml", ".yml"):
        data = load_yaml(text, str(path))
    else:
        raise SpecError(f"{path}: unknown spec format {suffix!r}; use .yaml, .yml, .json or .py")
    return spec_from_dict(data, str(path))


def load_yaml(text: str, source: str) -> Any:
    """Safe-loads YAML, mapping syntax errors to one-line :class:`SpecError` messages."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SpecError(f"{source}: invalid YAML{at}: {problem}") from None


# ---------------------------------------------------------------- Keras source, via ast


def _call_name(node: ast.AST) -> str | None:
    """``layers.Conv2D`` / ``keras.layers.Conv2D`` / ``Conv2D`` -> ``"Conv2D"``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _literal(node: ast.AST, where: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        raise SpecError(
            f"{where}: only literal values (numbers, strings, tuples, lists, True/False/None) are read; got {ast.unparse(node)!r}"
        ) from None


class _ModelBuilder:
    """Collects one Sequential model's layers from calls in the source."""

    def __init__(self, source: str, line: int) -> None:
        self.source = source
        self.line = line
        self.input_shape: tuple[int, ...] | None = None
        self.layers: list[Layer] = []

    def add(self, call: ast.AST) -> None:
        where = f"{self.source}:{getattr(call, 'lineno', self.line)}: layer {len(self.layers)}"
        if not isinstance(call, ast.Call):
            raise SpecError(f"{where}: expected a layer call like layers.Conv2D(...); got {ast.unparse(call)!r}")
        type_name = _call_name(call.func)
        if type_name in ("Input", "InputLayer"):
            self._set_input(call, where)
            return
        cls = LAYER_TYPES.get(type_name or "")
        if cls is None:
            raise SpecError(f"{where}: unknown layer type {type_name!r}; supported: {supported_layers()}")
        kwargs: dict[str, Any] = {}
        if len(call.args) > len(cls.positional):
            raise SpecError(f"{where} ({type_name}): too many positional arguments")
        for name, node in zip(cls.positional, call.args, strict=False):
            kwargs[name] = _literal(node, where)
        for kw in call.keywords:
            if kw.arg is None:
                raise SpecError(f"{where} ({type_name}): **kwargs cannot be read without running the code")
            kwargs[kw.arg] = _literal(kw.value, where)
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
            if self.layers:
                raise SpecError(f"{where} ({type_name}): input_shape is allowed on the first layer only")
            self.input_shape = _input_shape(shape, where)
        self.layers.append(build_layer(type_name, kwargs, where))

    def _set_input(self, call: ast.Call, where: str) -> None:
        if self.layers:
            raise SpecError(f"{where}: Input must come before the first layer")
        shape = call.args[0] if call.args else None
        for kw in call.keywords:
            if kw.arg in ("shape", "input_shape", "batch_shape"):
                shape = kw.value
        if shape is None:
            raise SpecError(f"{where}: Input needs shape=(H, W, C)")
        value = _literal(shape, where)
        if any(kw.arg == "batch_shape" for kw in call.keywords) and isinstance(value, tuple | list):
            value = value[1:]
        self.input_shape = _input_shape(value, where)

    def spec(self, name: str) -> ModelSpec:
        if self.input_shape is None:
            raise SpecError(
                f"{self.source}:{self.line}: the model has no input shape; give input_shape=(H, W, C) on the first layer or start with keras.Input(shape=(H, W, C))"
            )
        if not self.layers:
            raise SpecError(f"{self.source}:{self.line}: the model has no layers")
        return ModelSpec(self.input_shape, tuple(self.layers), name)


def parse_python_models(text: str, source: str = "<source>") -> list[ModelSpec]:
    """Every Sequential model built in Keras source, in order, without executing anything.

    Reads ``X = ...Sequential()`` / ``X = ...Sequential([...])`` and ``X.add(layer)`` calls;
    everything else is ignored.
    """
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise SpecError(f"{source}:{exc.lineno}: Python syntax error: {exc.msg}") from None
    builders: list[tuple[str, _ModelBuilder]] = []
    current: dict[str, _ModelBuilder] = {}
    for node in _statements(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _call_name(node.value.func) != "Sequential":
                continue
            builder = _ModelBuilder(source, node.lineno)
            seq = node.value
            items = seq.args[0] if seq.args else None
            for kw in seq.keywords:
                if kw.arg == "layers":
                    items = kw.value
            if isinstance(items, ast.List | ast.Tuple):
                for item in items.elts:
                    builder.add(item)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    current[target.id] = builder
                    builders.append((target.id, builder))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "add"
                and isinstance(func.value, ast.Name)
                and func.value.id in current
                and call.args
            ):
                current[func.value.id].add(call.args[0])
    return [builder.spec(name) for name, builder in builders]


def _statements(tree: ast.Module) -> list[ast.stmt]:
    """Top-level statements in order, descending into ``with``/``if`` blocks and functions."""
    out: list[ast.stmt] = []
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        out.append(node)
        for attr in ("body", "orelse"):
            block = getattr(node, attr, None)
            if isinstance(block, list) and not isinstance(node, ast.ClassDef):
                stack.extend(reversed(block))
    return out


def parse_python(text: str, source: str = "<source>") -> ModelSpec:
    """The model a Keras script leaves behind: the last Sequential model it builds."""
    models = parse_python_models(text, source)
    if not models:
        raise SpecError(
            f"{source}: no Keras Sequential model found (expected model = keras.Sequential(...) or model.add(layers.Conv2D(...)) calls)"
        )
    return models[-1]
