"""Reading a Keras Sequential model from Python source, with :mod:`ast` and
``ast.literal_eval`` only: the source is never executed.

Only straight-line top-level statements build the model (``model = Sequential(...)``,
``model.add(...)``, ``model.pop()``); statements that do not touch a model (imports,
``os.system(...)``, ``fit``) are ignored, and a model built or changed inside a loop, a branch, a
``with``/``try`` block, a function or an expression is an error naming the line, since reading it
right would need running the code.

>>> parse_python("model = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten()])").layers
(Flatten(name=None, trainable=True),)
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from generator.engine.layers import LAYER_TYPES, Layer
from generator.engine.model import ModelSpec, check_unique_names
from generator.errors import SpecError, brief, cut
from generator.spec.functional import builds_functional, parse_functional
from generator.spec.source import (
    arguments,
    bindings,
    binds_module_name,
    call_name,
    literal,
    parents_of,
    parse_tree,
    source_of,
    where_in,
)
from generator.spec.validate import build_layer, input_shape, supported_layers


class _ModelBuilder:
    """Collects one Sequential model's layers from calls in the source."""

    def __init__(self, source: str, line: int, name: str) -> None:
        self.source = source
        self.line = line
        self.name = name
        self.input_shape: tuple[int, ...] | None = None
        self.layers: list[Layer] = []

    def add(self, call: ast.AST) -> None:
        where = f"{self.source}:{getattr(call, 'lineno', self.line)}: layer {len(self.layers)}"
        if not isinstance(call, ast.Call):
            raise SpecError(f"{where}: expected a layer call like layers.Conv2D(...); got {brief(source_of(call), 60)}")
        type_name = call_name(call.func)
        if type_name in ("Input", "InputLayer"):
            self._set_input(call, where)
            return
        cls = LAYER_TYPES.get(type_name or "")
        if cls is None:
            raise SpecError(f"{where}: unknown layer type {brief(type_name)}; supported: {supported_layers()}")
        kwargs = arguments(call, cls.positional, f"{where} ({type_name})")
        shape = None
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch = kwargs.pop("batch_input_shape")
            shape = batch[1:] if isinstance(batch, list | tuple) else batch
        if "input_dim" in kwargs:
            shape = (kwargs.pop("input_dim"),)
        if shape is not None:
            if self.layers:
                raise SpecError(f"{where} ({type_name}): input_shape is allowed on the first layer only")
            if self.input_shape is not None:
                raise SpecError(
                    f"{where} ({type_name}): input_shape after keras.Input(...), which Keras ignores (with a "
                    "warning); keep one of the two"
                )
            self.input_shape = input_shape(shape, where)
        self.layers.append(build_layer(type_name, kwargs, where))

    def pop(self, line: int) -> None:
        if not self.layers:
            raise SpecError(f"{self.source}:{line}: {self.name}.pop() on a model without layers")
        self.layers.pop()

    def _set_input(self, call: ast.Call, where: str) -> None:
        if self.layers:
            raise SpecError(f"{where}: Input must come before the first layer")
        kwargs = arguments(call, ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "tensor"), where + " (Input)")
        shape = kwargs.get("shape", kwargs.get("input_shape"))
        if "batch_shape" in kwargs and isinstance(kwargs["batch_shape"], tuple | list):
            shape = kwargs["batch_shape"][1:]
        if shape is None:
            raise SpecError(f"{where}: Input needs shape=(H, W, C)")
        self.input_shape = input_shape(shape, where)

    def spec(self) -> ModelSpec:
        if self.input_shape is None:
            raise SpecError(
                f"{self.source}:{self.line}: the model has no input shape; give input_shape=(H, W, C) on the first layer or start with keras.Input(shape=(H, W, C))"
            )
        if not self.layers:
            raise SpecError(f"{self.source}:{self.line}: the model has no layers")
        check_unique_names(tuple(self.layers), f"{self.source}:{self.line}")
        return ModelSpec(self.input_shape, tuple(self.layers), self.name)


@dataclass(frozen=True)
class _Statement:
    """A top-level statement that builds or changes a model, in one of the forms read."""

    kind: str  # "new", "alias", "add", "pop", "forget"
    names: tuple[str, ...]
    node: ast.AST
    line: int


def _sequential(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and call_name(node.func) == "Sequential"


def _method(node: ast.AST | None, methods: tuple[str, ...] = ("add", "pop")) -> tuple[str, str] | None:
    """``(receiver, method)`` of ``receiver.add(...)`` / ``receiver.pop()``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods
            and isinstance(node.func.value, ast.Name)):
        return node.func.value.id, node.func.attr
    return None


def _layer_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (call_name(node.func) in LAYER_TYPES or call_name(node.func) in ("Input", "InputLayer"))


def _stored_names(targets: Sequence[ast.expr]) -> list[str]:
    """The plain names an assignment binds (``a, *b = ...`` binds a and b; ``x.y = ...`` and
    ``x[0] = ...`` bind nothing)."""
    names: list[str] = []
    stack = list(targets)
    while stack:
        target = stack.pop(0)
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            stack.extend(target.elts)
        elif isinstance(target, ast.Starred):
            stack.append(target.value)
    return names


def _statements(tree: ast.Module, source: str) -> list[_Statement]:
    """The model-building statements, checked: every ``Sequential(...)``, ``model.add(...)`` and
    ``model.pop()`` must be a top-level statement of a form read, and a model's variable may be
    bound only by top-level assignments; anything else is an error naming the line."""
    assignments = [
        (node.value, _stored_names(node.targets if isinstance(node, ast.Assign) else [node.target]))
        for node in ast.walk(tree) if isinstance(node, ast.Assign | ast.AnnAssign)
    ]
    model_names = {name for value, names in assignments if _sequential(value) for name in names}
    grown = True
    while grown:  # names given a model by another name (``model = net``) name models too
        before = len(model_names)
        model_names |= {name for value, names in assignments
                        if isinstance(value, ast.Name) and value.id in model_names for name in names}
        grown = len(model_names) > before
    read: list[_Statement] = []
    allowed: set[int] = set()
    for stmt in tree.body:
        value = getattr(stmt, "value", None)
        if isinstance(stmt, ast.AnnAssign) and stmt.value is None:
            continue  # ``model: keras.Sequential`` only annotates
        if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Delete):
            targets = (stmt.targets if isinstance(stmt, ast.Assign | ast.Delete) else [stmt.target])
            names = tuple(_stored_names(targets))
            allowed.update(id(n) for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
            plain = all(isinstance(t, ast.Name) for t in targets)
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and value is not None and _sequential(value) and plain:
                read.append(_Statement("new", names, value, stmt.lineno))
                allowed.add(id(value))
            elif isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(value, ast.Name) and plain:
                read.append(_Statement("alias", (*names, value.id), value, stmt.lineno))
            elif names:
                read.append(_Statement("forget", names, stmt, stmt.lineno))
        elif isinstance(stmt, ast.Expr) and _method(value) is not None:
            receiver, method = _method(value)  # type: ignore[misc]
            if receiver in model_names or (method == "add" and any(_layer_call(a) for a in value.args)):  # type: ignore[union-attr]
                read.append(_Statement(method, (receiver,), value, stmt.lineno))  # type: ignore[arg-type]
                allowed.add(id(value))
                allowed.add(id(value.func))  # type: ignore[union-attr]
    _refuse_hidden_building(tree, source, model_names, allowed)
    return read


def _refuse_hidden_building(tree: ast.Module, source: str, model_names: set[str], allowed: set[int]) -> None:
    """Raises for the first model-building call that is not a top-level statement read, for a
    model's variable bound any other way than by a top-level assignment, for ``model.add`` used
    as a value, and for ``.trainable`` set after building (all would need running the code)."""
    parents = parents_of(tree)
    found: list[tuple[int, str, ast.AST]] = []
    for node in ast.walk(tree):
        method = _method(node)
        if _sequential(node) and id(node) not in allowed:
            found.append((node.lineno, "Sequential(...)", node))  # type: ignore[attr-defined]
        elif method is not None and id(node) not in allowed and (
            method[0] in model_names or (method[1] == "add" and any(_layer_call(a) for a in node.args))  # type: ignore[attr-defined]
        ):
            found.append((node.lineno, f"{method[0]}.{method[1]}(...)", node))  # type: ignore[attr-defined]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add"
              and not isinstance(node.func.value, ast.Name) and any(_layer_call(a) for a in node.args)):
            found.append((node.lineno, f"{cut(source_of(node.func), 40)}(...) adds to something other than a model's variable", node))
        elif (isinstance(node, ast.Attribute) and node.attr in ("add", "pop") and isinstance(node.value, ast.Name)
              and node.value.id in model_names and id(node) not in allowed
              and not (isinstance(parents.get(id(node)), ast.Call) and parents[id(node)].func is node)):  # type: ignore[attr-defined]
            found.append((node.lineno, f"{node.value.id}.{node.attr} used as a value", node))
        elif isinstance(node, ast.Attribute) and node.attr == "trainable" and isinstance(node.ctx, ast.Store):
            found.append((node.lineno, f"{brief(source_of(node), 40)} = ...", node))
    for name, node, how in bindings(tree):
        if name in model_names and id(node) not in allowed and binds_module_name(name, node, parents):
            found.append((getattr(node, "lineno", 0), f"'{name}' bound by {how}", node))
    if not found:
        return
    line, what, node = min(found, key=lambda f: f[0])
    if " bound by " in what:
        raise SpecError(
            f"{source}:{line}: {what} {where_in(node, parents, line, 'at the top level')}, so which model it holds at "
            "the end depends on running the code; a model's variable is read only from top-level assignments"
        )
    if what.endswith(" model's variable"):
        raise SpecError(f"{source}:{line}: {what}, which is not read; write model.add(...) at the top level")
    if what.endswith(" = ..."):
        raise SpecError(
            f"{source}:{line}: {what} changes layers after they are built, which is not read; "
            "give trainable=False to the layer call instead"
        )
    raise SpecError(
        f"{source}:{line}: {what} {where_in(node, parents, line)}: the source is read without running it, so only "
        "top-level statements build the model (model = keras.Sequential(...), model.add(...)); "
        "write the layers out at the top level"
    )


def _build(tree: ast.Module, source: str) -> tuple[list[_ModelBuilder], dict[str, _ModelBuilder], dict[str, int]]:
    """Every model the script builds, in order; the model each variable holds at the end; and
    the line where each other variable was last given something that is not such a model."""
    builders: list[_ModelBuilder] = []
    holds: dict[str, _ModelBuilder] = {}
    lost: dict[str, int] = {}
    for st in _statements(tree, source):
        if st.kind == "new":
            call = st.node
            assert isinstance(call, ast.Call)
            builder = _ModelBuilder(source, st.line, _sequential_name(call, st, source))
            items = _sequential_layers(call, st.line, source)
            for item in items.elts if items is not None else ():
                builder.add(item)
            builders.append(builder)
            holds.update(dict.fromkeys(st.names, builder))
            for target in st.names:
                lost.pop(target, None)
        elif st.kind == "alias":
            *targets, value = st.names
            for target in targets:
                if value in holds:
                    holds[target] = holds[value]
                    lost.pop(target, None)
                else:
                    holds.pop(target, None)
                    lost[target] = st.line
        elif st.kind == "forget":
            for target in st.names:
                holds.pop(target, None)
                lost[target] = st.line
        else:
            (receiver,) = st.names
            if receiver not in holds:
                raise SpecError(
                    f"{source}:{st.line}: {receiver}.{st.kind}(...): '{receiver}' does not hold a Sequential "
                    "model built above (model = keras.Sequential() first)"
                )
            call = st.node
            assert isinstance(call, ast.Call)
            if st.kind == "pop":
                if call.args or call.keywords:
                    raise SpecError(f"{source}:{st.line}: {receiver}.pop() takes no arguments")
                holds[receiver].pop(st.line)
            elif len(call.args) != 1 or any(kw.arg != "rebuild" for kw in call.keywords):
                raise SpecError(f"{source}:{st.line}: {receiver}.add(...) takes exactly one layer (and rebuild=)")
            else:
                holds[receiver].add(call.args[0])
    return builders, holds, lost


def _sequential_layers(call: ast.Call, line: int, source: str) -> ast.List | ast.Tuple | None:
    """The layer list of ``Sequential(layers, trainable, name)``, checked as Python and Keras
    would check the call."""
    where = f"{source}:{line}: Sequential"
    if len(call.args) > 3:
        raise SpecError(f"{where}: too many positional arguments ({len(call.args)}; it takes layers, trainable, name)")
    given = dict(zip(("layers", "trainable", "name"), call.args, strict=False))
    for kw in call.keywords:
        if kw.arg not in ("layers", "trainable", "name"):
            raise SpecError(f"{where}: unknown argument {brief(kw.arg)}; Sequential takes layers, trainable, name")
        if kw.arg in given:
            raise SpecError(f"{where}: argument '{kw.arg}' is given twice, which Python refuses (TypeError)")
        given[kw.arg] = kw.value
    if "trainable" in given and literal(given["trainable"], where) is not True:
        raise SpecError(
            f"{where}: trainable=False freezes the model as a whole, which is not read; give trainable=False "
            "to each layer instead"
        )
    items = given.get("layers")
    if items is None or (isinstance(items, ast.Constant) and items.value is None):
        return None
    if not isinstance(items, ast.List | ast.Tuple):
        raise SpecError(f"{where}: the layers must be written out as a list [...]")
    return items


def _sequential_name(call: ast.Call, st: _Statement, source: str) -> str:
    """The model's name: Sequential's ``name`` when given as text, else the variable's."""
    node = next((kw.value for kw in call.keywords if kw.arg == "name"), call.args[2] if len(call.args) > 2 else None)
    if node is not None:
        given = literal(node, f"{source}:{st.line}: Sequential")
        if isinstance(given, str) and given.strip() and len(given) <= 100:
            return given
    return st.names[0]


def parse_python_models(text: str, source: str = "<source>") -> list[ModelSpec]:
    """Every Sequential model a Keras script builds, in order, without executing anything."""
    builders, _, _ = _build(parse_tree(text, source), source)
    return [b.spec() for b in builders]


def parse_python(text: str, source: str = "<source>") -> ModelSpec:
    """The model a Keras script leaves behind: the one the variable ``model`` holds at the end;
    when no variable is called ``model``, the one model some variable holds at the end."""
    tree = parse_tree(text, source)
    if builds_functional(tree):
        if any(_sequential(node) for node in ast.walk(tree)):
            raise SpecError(f"{source}: the script builds both keras.Sequential and keras.Model models; keep one kind per file")
        return parse_functional(tree, source)
    builders, holds, lost = _build(tree, source)
    if "model" in holds:
        return holds["model"].spec()
    if "model" in lost and builders:
        raise SpecError(
            f"{source}:{lost['model']}: 'model' is last given something other than a Sequential model built "
            "in the script, so the model it holds at the end is not known without running it"
        )
    held = list(dict.fromkeys(holds.values()))
    if len(held) == 1:
        return held[0].spec()
    if not builders:
        raise SpecError(
            f"{source}: no Keras model found (expected model = keras.Sequential(...), model.add(layers.Conv2D(...)) calls or model = keras.Model(inputs, outputs))"
        )
    if not held:
        raise SpecError(f"{source}: no variable holds a Sequential model at the end of the script")
    names = sorted(name for name, b in holds.items() if b in held)
    raise SpecError(
        f"{source}: several variables hold models at the end ({', '.join(names[:6])}) and none is called "
        "'model'; name the one to read 'model'"
    )
