"""Building a layer spec from its type name and arguments as read from a file, for both
frameworks' readers (:mod:`generator.spec.validate` for Keras, :mod:`generator.pytorch.spec`
for PyTorch): each argument through its field's coercer, every problem one
:class:`~generator.errors.SpecError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from generator.engine.layer import Layer
from generator.errors import SpecError, brief, cut


def build(type_name: Any, args: Any, where: str, types: Mapping[str, type[Layer]], ignored: frozenset[str],
          fixed: Mapping[str, tuple[Callable[[Any], bool], str]]) -> Layer:
    """One validated layer (Keras' or PyTorch's) from its type name in ``types`` and its keyword
    arguments: each value goes through its field's coercer; ``ignored`` arguments change no shape
    or count; ``fixed`` ones are accepted only where their test passes.

    Raises:
        SpecError: one line after ``where`` naming the type, the argument and the value received.
    """
    cls = types.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise SpecError(f"{where}: unknown layer type {brief(type_name)}; supported: {', '.join(types)}")
    where = f"{where} ({type_name})"
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise SpecError(f"{where}: arguments must be a mapping of argument names to values. Received: {brief(args)}")
    known = {f.name: f for f in cls.arguments()}
    values: dict[str, Any] = {}
    for key, raw in args.items():
        if key in known:
            try:
                values[key] = known[key].metadata["coerce"](raw)
            except (ValueError, TypeError) as exc:
                raise SpecError(f"{where}: argument '{key}': {exc}. Received: {key}={brief(raw)}") from None
        elif key in fixed:
            accepts, description = fixed[key]
            if not accepts(raw):
                raise SpecError(f"{where}: argument '{key}' is supported only as {description}. Received: {key}={brief(raw)}")
        elif key not in ignored:
            raise SpecError(
                f"{where}: unknown argument {brief(key)}; {type_name} takes: {', '.join(known)}. "
                f"Received: {cut(str(key), 40)}={brief(raw)}"
            )
    missing = [name for name, f in known.items() if f.metadata["required"] and name not in values]
    if missing:
        raise SpecError(f"{where}: missing required argument(s): {', '.join(missing)}")
    try:
        return cls(**values)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None
