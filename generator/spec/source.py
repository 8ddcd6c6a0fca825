"""What both Keras source readers share (:mod:`generator.spec.python` for Sequential models,
:mod:`generator.spec.functional` for the functional API): parsing with :mod:`ast` within bounds,
reading literal arguments, and saying where in the source a statement stands.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from generator.errors import SpecError, brief, cut

MAX_AST_DEPTH = 100
"""The deepest expression read from Keras source (a layer call with its arguments is about 6)."""


def call_name(node: ast.AST) -> str | None:
    """``layers.Conv2D`` / ``keras.layers.Conv2D`` / ``Conv2D`` -> ``"Conv2D"``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def literal(node: ast.AST, where: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise SpecError(
            f"{where}: only literal values (numbers, strings, tuples, lists, True/False/None) are read; "
            f"got {brief(source_of(node), 60)}"
        ) from None


def source_of(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError):  # pragma: no cover - depth is bounded before
        return type(node).__name__



def arguments(call: ast.Call, positional: tuple[str, ...], where: str,
              read: Callable[[ast.AST, str], Any] = literal, skip: int = 0) -> dict[str, Any]:
    """A call's arguments by the framework's parameter names, each read by ``read`` (a literal,
    unless given), after the first ``skip`` positional ones (a functional call's tensor); an
    argument given twice (``Conv2D(32, 3, filters=64)``, a TypeError in Python) is an error."""
    given = call.args[skip:]
    if len(given) > len(positional):
        raise SpecError(f"{where}: too many positional arguments ({len(given)}; it takes at most {len(positional)})")
    kwargs: dict[str, Any] = {}
    for name, node in zip(positional, given, strict=False):
        if isinstance(node, ast.Starred):
            raise SpecError(f"{where}: *arguments cannot be read without running the code")
        kwargs[name] = read(node, where)
    for kw in call.keywords:
        if kw.arg is None:
            raise SpecError(f"{where}: **kwargs cannot be read without running the code")
        if kw.arg in kwargs:
            how = "positionally and as a keyword" if kw.arg in positional[: len(given)] else "twice as a keyword"
            raise SpecError(f"{where}: argument '{kw.arg}' is given {how}, which Python refuses (TypeError)")
        kwargs[kw.arg] = read(kw.value, where)
    return kwargs



CONTEXT = {
    ast.For: "a for loop", ast.AsyncFor: "a for loop", ast.While: "a while loop",
    ast.If: "an if/else block", ast.Try: "a try block", ast.With: "a with block",
    ast.AsyncWith: "a with block", ast.Match: "a match block", ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.IfExp: "a conditional expression", ast.BoolOp: "an and/or expression",
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    CONTEXT[ast.TryStar] = "a try block"



def parse_tree(text: str, source: str) -> ast.Module:
    """``ast.parse`` with every failure (syntax, huge literals, deep nesting) one SpecError; then
    a bound on how deep any expression nests, checked without recursion."""
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        message = exc.msg
        if "integer string conversion" in message:
            message = "a number with more than 4,300 digits"
        raise SpecError(f"{source}:{exc.lineno}: Python syntax error: {cut(message, 120)}") from None
    except (RecursionError, MemoryError, ValueError):
        raise SpecError(f"{source}: the Python source nests too deeply to read") from None
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_AST_DEPTH:
            line = getattr(node, "lineno", "?")
            raise SpecError(f"{source}:{line}: an expression nested more than {MAX_AST_DEPTH} levels deep; not read")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree



COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def bindings(tree: ast.Module) -> list[tuple[str, ast.AST, str]]:
    """Every place a name is bound, with the name and what binds it: assignments (``for``,
    ``with ... as``, ``:=``, ``del`` too), imports, ``def``/``class``, ``except ... as`` and
    ``match`` patterns."""
    found: list[tuple[str, ast.AST, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            found.append((node.id, node, "an assignment"))
        elif isinstance(node, ast.alias):
            found.append(((node.asname or node.name).split(".")[0], node, "an import"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.name, node, "a def" if not isinstance(node, ast.ClassDef) else "a class"))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.append((node.name, node, "an except ... as"))
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            found.append((node.name, node, "a match pattern"))
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.append((node.rest, node, "a match pattern"))
    return found


def binds_module_name(name: str, node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Whether a binding of ``name`` at ``node`` binds the script's own (module-level) variable:
    not inside a function (unless it declares the name ``global``), a class body or a
    comprehension's own ``for`` (``:=`` in a comprehension binds outside it)."""
    parent = parents.get(id(node))  # for a def or class: bound where it stands
    walrus = isinstance(parents.get(id(node)), ast.NamedExpr)
    while parent is not None and not isinstance(parent, ast.Module):
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            declared = {n for g in ast.walk(parent) if isinstance(g, ast.Global) for n in g.names}
            return name in declared
        if isinstance(parent, ast.ClassDef):
            return False
        if isinstance(parent, COMPREHENSIONS) and not walrus:
            return False
        parent = parents.get(id(parent))
    return True



def where_in(node: ast.AST, parents: dict[int, ast.AST], line: int, outside: str = "inside an expression") -> str:
    """``inside`` the innermost loop, branch, block, function or expression around ``node``."""
    parent = parents.get(id(node))
    while parent is not None and not isinstance(parent, ast.Module):
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return f"inside the {'class' if isinstance(parent, ast.ClassDef) else 'function'} '{parent.name}' (line {parent.lineno})"
        kind = CONTEXT.get(type(parent))
        if kind is not None:
            return f"inside {kind} (line {getattr(parent, 'lineno', line)})"
        parent = parents.get(id(parent))
    return outside


def parents_of(tree: ast.Module) -> dict[int, ast.AST]:
    """Every node's parent, by the node's ``id`` (for saying where a statement stands)."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents
