"""Reading a Keras functional model from Python source, with :mod:`ast` and
``ast.literal_eval`` only: the source is never executed.

The forms read are the straight-line ones Keras' documentation writes, each a top-level
statement:

* ``inputs = keras.Input(shape=(32, 32, 3))`` (one input);
* ``x = layers.Conv2D(64, 3, padding="same")(x)``, and for a merge
  ``x = layers.Add()([x, shortcut])``;
* ``conv = layers.Conv2D(...)`` then ``x = conv(x)`` (a layer object called once);
* ``y = x`` (another name for a tensor);
* ``model = keras.Model(inputs, x, name="resnet")`` (``outputs`` may be a list).

As for Sequential source, a layer or model built inside a loop, a branch, a ``with``/``try``
block, a function or an expression is an error naming the line, and so is an operation on
tensors that is not a layer (``x + y``, ``tf.nn.relu(x)``), a layer object called twice (a shared
layer) and a second ``keras.Input``. Layers that lead to no output are left out, as Keras leaves
them out of the model; they keep the automatic names Keras gave them when created.

>>> from generator.spec.source import parse_tree
>>> spec = parse_functional(parse_tree(
...     "inputs = keras.Input(shape=(8, 8, 4))\\n"
...     "x = layers.Conv2D(4, 3, padding='same')(inputs)\\n"
...     "x = layers.Add()([x, inputs])\\n"
...     "model = keras.Model(inputs, x)\\n", "net.py"), "net.py")
>>> spec.inputs, [layer.type_name for layer in spec.layers]
(((-1,), (0, -1)), ['Conv2D', 'Add'])
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import TypeVar

from generator.engine.layers import LAYER_TYPES, Layer, Merge
from generator.engine.model import ModelSpec, check_unique_names, keras_layer_names
from generator.errors import SpecError, brief, cut
from generator.spec.source import (
    arguments,
    bindings,
    binds_module_name,
    call_name,
    literal,
    parents_of,
    source_of,
    where_in,
)
from generator.spec.validate import build_layer, input_shape, supported_layers

T = TypeVar("T")

INPUT_CALLS = ("Input",)
MODEL_CALLS = ("Model", "Functional")


def builds_functional(tree: ast.Module) -> bool:
    """Whether the script calls ``keras.Model(...)`` (a functional model)."""
    return any(isinstance(n, ast.Call) and call_name(n.func) in MODEL_CALLS for n in ast.walk(tree))


@dataclass
class _Node:
    layer: Layer
    sources: tuple[int, ...]
    created: int
    line: int


@dataclass
class _Model:
    outputs: tuple[int, ...]
    name: str
    line: int


@dataclass
class _Graph:
    """What the statements read so far have built."""

    source: str
    input: tuple[tuple[int, ...], str, int] | None = None  # shape, name, line
    nodes: list[_Node] = field(default_factory=list)
    created: list[Layer] = field(default_factory=list)
    tensors: dict[str, int] = field(default_factory=dict)  # variable -> node (-1: the input)
    objects: dict[str, tuple[int, Layer]] = field(default_factory=dict)  # variable -> a layer not yet called
    called: set[int] = field(default_factory=set)  # created layers already called
    models: dict[str, _Model] = field(default_factory=dict)  # variable -> model
    any_model: list[_Model] = field(default_factory=list)

    def new_layer(self, call: ast.Call, line: int) -> tuple[int, Layer]:
        type_name = call_name(call.func) or ""
        where = f"{self.source}:{line}: layer {len(self.created)}"
        cls = LAYER_TYPES.get(type_name)
        if cls is None:
            raise SpecError(f"{where}: unknown layer type {brief(type_name)}; supported: {supported_layers()}")
        kwargs = arguments(call, cls.positional, f"{where} ({type_name})")
        for key in ("input_shape", "batch_input_shape", "input_dim"):
            if key in kwargs:
                raise SpecError(f"{where} ({type_name}): {key} is for Sequential models; a functional model starts from keras.Input(shape=...)")
        layer = build_layer(type_name, kwargs, where)
        self.created.append(layer)
        return len(self.created) - 1, layer

    def tensor(self, node: ast.AST, line: int) -> int:
        if isinstance(node, ast.Name) and node.id in self.tensors:
            return self.tensors[node.id]
        what = brief(source_of(node), 60)
        raise SpecError(
            f"{self.source}:{line}: {what} is not a tensor built above; a layer is called on a variable holding "
            "keras.Input(...) or a layer's output"
        )

    def call(self, created: int, layer: Layer, given: ast.AST, line: int) -> int:
        """Calls a created layer on ``given`` (a tensor, or a list of tensors for a merge)."""
        if created in self.called:
            raise SpecError(
                f"{self.source}:{line}: the layer object created as layer {created} is called a second time; shared "
                "layers (one set of weights used twice) are not read"
            )
        self.called.add(created)
        if isinstance(layer, Merge):
            if not isinstance(given, ast.List | ast.Tuple):
                raise SpecError(f"{self.source}:{line}: {layer.type_name} is called on a list of tensors ([x, y]), not on {brief(source_of(given), 40)}")
            sources = tuple(self.tensor(e, line) for e in given.elts)
            if not sources:
                raise SpecError(f"{self.source}:{line}: {layer.type_name} is called on an empty list")
        else:
            if isinstance(given, ast.List | ast.Tuple):
                raise SpecError(f"{self.source}:{line}: {layer.type_name} takes one tensor, not a list; join tensors with a merge layer (Add, Concatenate, ...) first")
            sources = (self.tensor(given, line),)
        self.nodes.append(_Node(layer, sources, created, line))
        return len(self.nodes) - 1

    def set_input(self, call: ast.Call, line: int) -> None:
        where = f"{self.source}:{line}: Input"
        if self.input is not None:
            raise SpecError(f"{where}: a second keras.Input (line {self.input[2]} has the first); models with several inputs are not read")
        kwargs = arguments(call, ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "tensor", "optional"), where)
        shape = kwargs.get("shape")
        if isinstance(kwargs.get("batch_shape"), tuple | list):
            shape = kwargs["batch_shape"][1:]
        if shape is None:
            raise SpecError(f"{where}: keras.Input needs shape=(H, W, C)")
        name = kwargs.get("name") or "input_layer"
        if not isinstance(name, str) or not name.strip() or "/" in name or len(name) > 100:
            raise SpecError(f"{where}: name must be a short text without '/'. Received: {brief(name)}")
        self.input = (input_shape(shape, where), name, line)

    def model(self, call: ast.Call, line: int) -> _Model:
        where = f"{self.source}:{line}: Model"
        given = dict(zip(("inputs", "outputs", "name"), call.args, strict=False))
        if len(call.args) > 3:
            raise SpecError(f"{where}: too many positional arguments; Model takes inputs, outputs, name")
        for kw in call.keywords:
            if kw.arg not in ("inputs", "outputs", "name", "trainable") or kw.arg in given:
                raise SpecError(f"{where}: argument {brief(kw.arg)} is unknown or given twice; Model takes inputs, outputs, name")
            given[kw.arg] = kw.value
        if "trainable" in given and literal(given["trainable"], where) is not True:
            raise SpecError(f"{where}: trainable=False freezes the model as a whole, which is not read; give trainable=False to each layer instead")
        if "inputs" not in given or "outputs" not in given:
            raise SpecError(f"{where}: Model needs inputs and outputs (keras.Model(inputs, outputs))")
        ins = given["inputs"]
        ins_list = ins.elts if isinstance(ins, ast.List | ast.Tuple) else [ins]
        if len(ins_list) != 1 or self.tensor(ins_list[0], line) != -1:
            raise SpecError(f"{where}: inputs must be the one keras.Input of the script")
        outs = given["outputs"]
        outs_list = outs.elts if isinstance(outs, ast.List | ast.Tuple) else [outs]
        outputs = tuple(self.tensor(o, line) for o in outs_list)
        if not outputs or -1 in outputs:
            raise SpecError(f"{where}: outputs must be layer outputs (the input itself is not a model)")
        name = "model"
        if "name" in given:
            value = literal(given["name"], where)
            if isinstance(value, str) and value.strip() and len(value) <= 100:
                name = value
        return _Model(outputs, name, line)


def _layer_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and call_name(node.func) in LAYER_TYPES


def _assigned(stmt: ast.stmt) -> tuple[list[str], ast.AST] | None:
    """``(names, value)`` of ``a = b = value`` with plain-name targets."""
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)], stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return [stmt.target.id], stmt.value
    return None


def parse_functional(tree: ast.Module, source: str) -> ModelSpec:
    """The functional model a parsed Keras script leaves in ``model`` (or in its only model
    variable); see the module's docstring for what is read."""
    g = _Graph(source)
    allowed: set[int] = set()
    for stmt in tree.body:
        found = _assigned(stmt)
        if found is None:
            if isinstance(stmt, ast.Expr) and _builds(stmt.value):
                raise SpecError(f"{source}:{stmt.lineno}: a layer or model built without keeping it in a variable is not read; write x = layers.Conv2D(...)(x)")
            continue
        names, value = found
        if _read_value(g, names, value, stmt.lineno):
            allowed.update(id(n) for n in ast.walk(value) if isinstance(n, ast.Call))
        else:
            for name in names:
                g.tensors.pop(name, None)
                g.objects.pop(name, None)
                g.models.pop(name, None)
    _refuse_hidden(tree, source, g, allowed)
    model = g.models.get("model")
    if model is None:
        held = list({id(m): m for m in g.models.values()}.values())
        if not g.any_model:
            raise SpecError(f"{source}: no keras.Model(inputs, outputs) found")
        if len(held) != 1:
            raise SpecError(f"{source}: {'no variable holds' if not held else 'several variables hold'} a model at the end and none is called 'model'; name the one to read 'model'")
        model = held[0]
    return _spec(g, model)


def _builds(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        _layer_call(node) or _layer_call(node.func) or call_name(node.func) in (*INPUT_CALLS, *MODEL_CALLS)
    )


def _read_value(g: _Graph, names: list[str], value: ast.AST, line: int) -> bool:
    """Reads one assignment's value into ``g``; False for a value that builds nothing (the names
    are then forgotten). Raises for a value that uses tensors in a way not read."""
    if isinstance(value, ast.Call) and call_name(value.func) in INPUT_CALLS and not _layer_call(value):
        g.set_input(value, line)
        g.tensors.update(dict.fromkeys(names, -1))
        return True
    if isinstance(value, ast.Call) and call_name(value.func) in MODEL_CALLS:
        model = g.model(value, line)
        g.any_model.append(model)
        g.models.update(dict.fromkeys(names, model))
        return True
    if isinstance(value, ast.Call) and _layer_call(value.func) and isinstance(value.func, ast.Call):
        if len(value.args) != 1 or value.keywords:
            raise SpecError(f"{g.source}:{line}: a layer is called on exactly one tensor or one list of tensors")
        created, layer = g.new_layer(value.func, line)
        node = g.call(created, layer, value.args[0], line)
        _bind(g, names, node)
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in g.objects:
        if len(value.args) != 1 or value.keywords:
            raise SpecError(f"{g.source}:{line}: a layer is called on exactly one tensor or one list of tensors")
        created, layer = g.objects[value.func.id]
        _bind(g, names, g.call(created, layer, value.args[0], line))
        return True
    if _layer_call(value):
        assert isinstance(value, ast.Call)
        created, layer = g.new_layer(value, line)
        for name in names:
            g.objects[name] = (created, layer)
            g.tensors.pop(name, None)
        return True
    if isinstance(value, ast.Name) and (value.id in g.tensors or value.id in g.objects or value.id in g.models):
        for name in names:
            _alias(g.tensors, name, value.id)
            _alias(g.objects, name, value.id)
            _alias(g.models, name, value.id)
        return True
    used = sorted({n.id for n in ast.walk(value) if isinstance(n, ast.Name) and (n.id in g.tensors or n.id in g.objects)})
    if used:
        raise SpecError(
            f"{g.source}:{line}: {brief(source_of(value), 60)} computes with {', '.join(used[:3])} outside a Keras layer, "
            "which is not read; use a layer (layers.Add()([x, y]) for x + y)"
        )
    return False


def _alias(table: dict[str, T], name: str, other: str) -> None:
    """``name = other``: ``name`` now holds what ``other`` holds in ``table``, or nothing."""
    if other in table:
        table[name] = table[other]
    else:
        table.pop(name, None)


def _bind(g: _Graph, names: list[str], node: int) -> None:
    for name in names:
        g.tensors[name] = node
        g.objects.pop(name, None)


def _refuse_hidden(tree: ast.Module, source: str, g: _Graph, allowed: set[int]) -> None:
    """A layer, Input or Model call anywhere but in a top-level statement read, or a tensor's
    variable bound any other way, would need running the code: an error naming the first."""
    parents = parents_of(tree)
    found: list[tuple[int, str, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in allowed and (
            _builds(node) or (isinstance(node.func, ast.Name) and node.func.id in g.objects)
        ):
            found.append((node.lineno, f"{cut(source_of(node.func), 40)}(...)", node))
    watched = set(g.tensors) | set(g.objects)
    top = {id(n) for stmt in tree.body if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign)
           for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]) for n in ast.walk(t)}
    for name, node, how in bindings(tree):
        if name in watched and id(node) not in top and binds_module_name(name, node, parents):
            found.append((getattr(node, "lineno", 0), f"'{name}' bound by {how}", node))
    if found:
        line, what, node = min(found, key=lambda f: f[0])
        raise SpecError(
            f"{source}:{line}: {what} {where_in(node, parents, line)}: the source is read without running it, so only "
            "top-level statements build the model (x = layers.Conv2D(...)(x), model = keras.Model(inputs, x)); "
            "write the layers out at the top level"
        )


def _spec(g: _Graph, model: _Model) -> ModelSpec:
    """The model's layers (those that lead to its outputs) in the order they were called."""
    assert g.input is not None  # a Model's inputs are checked to be the Input
    shape, input_name, _ = g.input
    keep = set(model.outputs)
    for i in range(len(g.nodes) - 1, -1, -1):
        if i in keep:
            keep.update(j for j in g.nodes[i].sources if j >= 0)
    order = [i for i in range(len(g.nodes)) if i in keep]
    position = {old: new for new, old in enumerate(order)}
    keras_names = keras_layer_names(tuple(g.created))  # Keras names a layer when it is created
    layers = [g.nodes[i].layer for i in order]
    if keras_layer_names(tuple(layers)) != [keras_names[g.nodes[i].created] for i in order]:
        layers = [layer if layer.name else replace(layer, name=keras_names[g.nodes[i].created])
                  for layer, i in zip(layers, order, strict=True)]
    where = f"{g.source}:{model.line}"
    check_unique_names(tuple(layers), where)
    if input_name in keras_layer_names(tuple(layers)):
        raise SpecError(f"{where}: a layer is named {brief(input_name)}, the input's name; Keras requires unique names")
    inputs = tuple(tuple(-1 if j < 0 else position[j] for j in g.nodes[i].sources) for i in order)
    return ModelSpec(shape, tuple(layers), model.name, inputs, tuple(position[o] for o in model.outputs), input_name)
