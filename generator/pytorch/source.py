"""Reading a PyTorch model from Python source, with :mod:`ast` only: the source is never run.

Two forms are read:

* an ``nn.Module`` subclass whose ``__init__`` assigns modules (``self.conv1 = nn.Conv2d(3, 6,
  5)``, ``self.features = nn.Sequential(...)``) and whose ``forward`` is straight-line
  (``x = self.pool(F.relu(self.conv1(x)))``, ``x = torch.flatten(x, 1)``, ``x = x.view(-1, 16 *
  5 * 5)``, ``return self.fc3(x)``);
* a top-level ``model = nn.Sequential(...)``.

Arguments may be literal arithmetic (``16 * 5 * 5``) and ``__init__``'s defaults
(``num_classes=1000``). Anything else (a loop, a branch, a merge such as ``x + y``, an unknown
module) is a one-line :class:`~generator.errors.SpecError` naming the line. PyTorch source carries
no input shape: the caller gives it, channels first.

>>> spec = parse_torch("model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.Flatten(), nn.Linear(8 * 26 * 26, 10))",
...                    "m.py", (1, 28, 28))
>>> [layer.name for layer in spec.layers], spec.framework
(['0', '1', '2'], 'pytorch')
"""

from __future__ import annotations

import ast
import re
from typing import Any

from generator.engine.model import ModelSpec
from generator.errors import SpecError, brief
from generator.pytorch import TORCH_FUNCTIONS, TORCH_TYPES, Module
from generator.pytorch.spec import build_module, check_shared
from generator.spec.source import CONTEXT, arguments, call_name, parse_tree, source_of

_TORCH_IMPORT = re.compile(r"^\s*(import\s+torch|from\s+torch(\.nn)?\s+import)\b", re.MULTILINE)

MAX_VALUE = 10**12
"""The largest number literal arithmetic may make (a typo beyond it, not a model)."""


def is_torch_source(text: str) -> bool:
    """Whether Python source is PyTorch's (it imports torch), not Keras'."""
    return bool(_TORCH_IMPORT.search(text))


_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.FloorDiv: lambda a, b: a // b}


def constant(node: ast.AST, names: dict[str, Any], where: str) -> Any:
    """A literal, a tuple or list of them, integer arithmetic (``+ - * //``) on them, or a name
    bound to one (``__init__``'s defaults); anything else is a SpecError."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, int | float | str | bool)):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(constant(e, names, where) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = constant(node.operand, names, where)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = constant(node.left, names, where), constant(node.right, names, where)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b)):
            if isinstance(node.op, ast.FloorDiv) and b == 0:
                raise SpecError(f"{where}: division by zero in {brief(source_of(node), 60)}")
            if max(abs(a), abs(b)) > MAX_VALUE or abs(result := _OPS[type(node.op)](a, b)) > MAX_VALUE:
                raise SpecError(f"{where}: {brief(source_of(node), 60)} is more than 10^12, too large to be a size")
            return result
    key = source_of(node) if isinstance(node, ast.Name | ast.Attribute) else None
    if key is not None and key in names:
        return names[key]
    raise SpecError(f"{where}: only literal values and integer arithmetic on them are read; got {brief(source_of(node), 60)}")


class _Reader:
    """Reads one model: its modules by attribute path, then the calls of ``forward``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.modules: dict[str, Module | list[tuple[str, Any]]] = {}
        self.names: dict[str, Any] = {}
        self.layers: list[Module] = []
        self.called: set[str] = set()

    def where(self, node: ast.AST) -> str:
        return f"{self.source}:{getattr(node, 'lineno', '?')}"

    # ------------------------------------------------------------------ modules

    def module(self, node: ast.AST, path: str) -> Module | list[tuple[str, Any]]:
        """The module (or nn.Sequential's children, by path) an expression builds."""
        where = self.where(node)
        if not isinstance(node, ast.Call):
            raise SpecError(f"{where}: expected a module such as nn.Conv2d(...); got {brief(source_of(node), 60)}")
        type_name = call_name(node.func) or ""
        if type_name == "Sequential":
            if node.keywords or not node.args:
                raise SpecError(f"{where}: nn.Sequential(...) is read with its modules as arguments")
            children = []
            for i, arg in enumerate(node.args):
                if isinstance(arg, ast.Starred):
                    raise SpecError(f"{where}: nn.Sequential(*...) cannot be read without running the code")
                children.append((f"{path}.{i}", self.module(arg, f"{path}.{i}")))
            return children
        if type_name not in TORCH_TYPES or type_name == "view":
            raise SpecError(f"{where}: {brief(type_name or source_of(node.func), 40)} is not a module the reader knows; "
                            f"supported: {', '.join(t for t in TORCH_TYPES if t != 'view')}, Sequential")
        cls = TORCH_TYPES[type_name]
        kwargs = self.arguments(node, cls.positional, f"{where}: {path} ({type_name})", 0)
        return build_module(type_name, {**kwargs, "name": path}, f"{where}: {path}")

    def arguments(self, call: ast.Call, positional: tuple[str, ...], where: str, skip: int) -> dict[str, Any]:
        """A call's arguments after the first ``skip`` (the tensor), by PyTorch's names, each
        literal arithmetic or a name ``__init__`` binds."""
        return arguments(call, positional, where, lambda node, at: constant(node, self.names, at), skip)

    def read_init(self, init: ast.FunctionDef) -> None:
        args = init.args
        defaults = dict(zip([a.arg for a in args.args][-len(args.defaults):] if args.defaults else [], args.defaults, strict=True))
        defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
        for name, node in defaults.items():
            self.names[name] = constant(node, self.names, self.where(node))
        for stmt in init.body:
            if _is_docstring(stmt) or _is_super_init(stmt):
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    if isinstance(stmt.value, ast.Call):
                        self.modules[target.attr] = self.module(stmt.value, target.attr)
                    else:  # a setting (self.num_classes = 10), usable below
                        self.names[f"self.{target.attr}"] = constant(stmt.value, self.names, self.where(stmt))
                    continue
                if isinstance(target, ast.Name):
                    self.names[target.id] = constant(stmt.value, self.names, self.where(stmt))
                    continue
            raise SpecError(f"{self.where(stmt)}: in __init__, only self.name = nn.Module(...) assignments and settings are "
                            f"read{_kind(stmt)}; got {brief(source_of(stmt).splitlines()[0], 60)}")

    # ------------------------------------------------------------------ forward

    def read_forward(self, forward: ast.FunctionDef) -> None:
        if len(forward.args.args) != 2:
            raise SpecError(f"{self.where(forward)}: forward must take one tensor (def forward(self, x)); models with "
                            "several inputs are not read")
        current = forward.args.args[1].arg
        for stmt in forward.body:
            if _is_docstring(stmt):
                continue
            if isinstance(stmt, ast.Return) and stmt.value is not None:
                self.flow(stmt.value, current)
                return
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.flow(stmt.value, current)
                current = stmt.targets[0].id
                continue
            raise SpecError(f"{self.where(stmt)}: forward is read only as straight-line x = ... statements and a return"
                            f"{_kind(stmt)}; got {brief(source_of(stmt).splitlines()[0], 60)}")
        raise SpecError(f"{self.where(forward)}: forward has no return statement")

    def flow(self, node: ast.AST, current: str) -> None:
        """Appends the layers an expression applies to the tensor ``current``, innermost first."""
        where = self.where(node)
        if isinstance(node, ast.Name):
            if node.id != current:
                raise SpecError(f"{where}: uses {node.id}, not the tensor {current} of the line before: branches and "
                                "merges in forward are not read")
            return
        if isinstance(node, ast.BinOp | ast.Compare | ast.BoolOp):
            raise SpecError(f"{where}: {brief(source_of(node), 50)} combines tensors: residual connections and merges in "
                            "forward are not read yet")
        if not isinstance(node, ast.Call):
            raise SpecError(f"{where}: {brief(source_of(node), 50)} is not a module call, a torch function or x.view(...)")
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            self.call_module(node, func.attr, current)
            return
        if isinstance(func, ast.Attribute) and source_of(func.value) in ("F", "torch", "nn.functional", "torch.nn.functional"):
            self.call_function(node, func.value, func.attr, current, tensor_first=True)
            return
        if isinstance(func, ast.Attribute) and _uses(func.value, current):  # x.view(...), x.flatten(1), x.relu()
            self.flow(func.value, current)
            self.call_function(node, func.value, func.attr, current, tensor_first=False)
            return
        raise SpecError(f"{where}: {brief(source_of(func), 50)}(...) is not a module of the model, a torch function or a "
                        "tensor method the reader knows")

    def call_module(self, node: ast.Call, attr: str, current: str) -> None:
        where = self.where(node)
        if attr not in self.modules:
            raise SpecError(f"{where}: self.{attr} is not a module assigned in __init__")
        if len(node.args) != 1 or node.keywords:
            raise SpecError(f"{where}: self.{attr}(...) must take the one tensor")
        self.flow(node.args[0], current)
        built = self.modules[attr]
        if isinstance(built, list) and attr in self.called:
            raise SpecError(f"{where}: the nn.Sequential self.{attr} is called a second time; only single modules may be reused")
        self.called.add(attr)
        self.layers.extend(_leaves(built))

    def call_function(self, node: ast.Call, owner: ast.AST, name: str, current: str, tensor_first: bool) -> None:
        where = self.where(node)
        call = f"{source_of(owner)}.{name}" if tensor_first else f"x.{name}"
        if name in ("view", "reshape") and not tensor_first:
            sizes = [self.size(a, current, where) for a in node.args]
            if len(sizes) == 1 and isinstance(sizes[0], tuple):
                sizes = list(sizes[0])
            if node.keywords or not sizes:
                raise SpecError(f"{where}: x.{name}(...) is read with its sizes as positional arguments")
            self.layers.append(build_module("view", {"shape": sizes, "method": name, "name": call, "functional": True}, where))
            return
        if name in ("cat", "add", "stack", "mul", "matmul", "concat"):
            raise SpecError(f"{where}: {call}(...) combines tensors: merges in forward are not read yet")
        cls = TORCH_FUNCTIONS.get(name)
        if cls is None:
            raise SpecError(f"{where}: {call}(...) is not a function the reader knows; known: {', '.join(sorted(TORCH_FUNCTIONS))}, "
                            "x.view, x.reshape")
        if tensor_first:
            if not node.args:
                raise SpecError(f"{where}: {call}(...) needs the tensor as its first argument")
            self.flow(node.args[0], current)
        positional = cls.function_positional or cls.positional
        kwargs = self.arguments(node, positional, f"{where}: {call}", 1 if tensor_first else 0)
        kwargs.pop("training", None)  # F.dropout(x, training=self.training) changes no shape
        if "input" in kwargs:
            raise SpecError(f"{where}: {call}(input=...) is read with the tensor as the first positional argument")
        if name == "flatten":
            kwargs.setdefault("start_dim", 0)  # torch.flatten's default, unlike nn.Flatten's 1
        self.layers.append(build_module(cls.type_name, {**kwargs, "name": call, "functional": True}, f"{where}: {call}"))

    def size(self, node: ast.AST, current: str, where: str) -> Any:
        """A size of ``x.view(...)``: a number, or ``x.size(0)`` / ``x.shape[0]`` (the batch)."""
        text = source_of(node)
        if text in (f"{current}.size(0)", f"{current}.shape[0]", f"{current}.size()[0]"):
            return "N"
        return constant(node, self.names, where)


def _uses(node: ast.AST, current: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == current for n in ast.walk(node))


def _leaves(built: Module | list[tuple[str, Any]]) -> list[Module]:
    if isinstance(built, Module):
        return [built]
    return [leaf for _, child in built for leaf in _leaves(child)]


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _is_super_init(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr == "__init__")


def _kind(stmt: ast.stmt) -> str:
    kind = CONTEXT.get(type(stmt))
    return f" (not {kind})" if kind else ""


def _is_module_class(node: ast.ClassDef) -> bool:
    return any(source_of(b) in ("nn.Module", "Module", "torch.nn.Module") for b in node.bases)


def parse_torch(text: str, source: str, input_shape: tuple[int, ...] | None, batch_size: int = 1) -> ModelSpec:
    """Reads the one model of a PyTorch source file (an nn.Module subclass, else a top-level
    nn.Sequential) into a channels-first :class:`ModelSpec`.

    Raises:
        SpecError: naming the line, for anything the reader does not read, or no input shape.
    """
    if input_shape is None:
        raise SpecError(f"{source}: PyTorch source carries no input shape; give it channels first, e.g. --input-shape 3,32,32")
    tree = parse_tree(text, source)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and _is_module_class(node)]
    reader = _Reader(source)
    if len(classes) > 1:
        raise SpecError(f"{source}: {len(classes)} nn.Module classes ({', '.join(c.name for c in classes)}); the reader takes "
                        "one model class per file (a class built from another class's modules is not read yet)")
    if classes:
        cls = classes[0]
        methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
        if "forward" not in methods:
            raise SpecError(f"{source}:{cls.lineno}: class {cls.name} has no forward method")
        if "__init__" in methods:
            reader.read_init(methods["__init__"])
        reader.read_forward(methods["forward"])
        unused = [name for name, built in reader.modules.items() if name not in reader.called
                  and any(leaf.has_weights for leaf in _leaves(built))]
        if unused:
            raise SpecError(f"{source}: self.{unused[0]} is created in __init__ but never called in forward; its weights "
                            "would count in model.parameters() but not in the output: remove it or call it")
        name = cls.name
    else:
        sequentials = [node for node in tree.body if isinstance(node, ast.Assign) and len(node.targets) == 1
                       and isinstance(node.value, ast.Call) and call_name(node.value.func) == "Sequential"]
        if not sequentials:
            raise SpecError(f"{source}: no nn.Module subclass and no top-level model = nn.Sequential(...) found")
        if len(sequentials) > 1:
            raise SpecError(f"{source}:{sequentials[1].lineno}: a second nn.Sequential model; keep one per file")
        built = reader.module(sequentials[0].value, "")
        assert isinstance(built, list)
        reader.layers = [_strip(leaf) for leaf in _leaves(built)]
        name = "Sequential"
    check_shared(reader.layers, source)
    return ModelSpec(tuple(input_shape), tuple(reader.layers), name, framework="pytorch", batch_size=batch_size)


def _strip(layer: Module) -> Module:
    """A top-level nn.Sequential's child is named ``0``, not ``.0``."""
    from dataclasses import replace

    return replace(layer, name=(layer.name or "").removeprefix("."))
