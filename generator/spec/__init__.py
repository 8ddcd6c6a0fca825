"""Parse and validate architecture specs into frozen :class:`~generator.engine.ModelSpec` values.

Three input forms, one result:

* YAML (``.yaml``/``.yml``) or JSON (``.json``): ``input_shape`` and a list of ``layers``, each a
  one-key mapping ``{LayerType: {keras_argument: value}}``, with Keras' names and defaults;
* Keras Sequential source (``.py``) in the seed notebook's style, read with :mod:`ast` and
  ``ast.literal_eval`` only: it is never executed. Only straight-line top-level statements build
  the model (``model = Sequential(...)``, ``model.add(...)``, ``model.pop()``); statements that do
  not touch a model (imports, ``os.system(...)``, ``fit``) are ignored, and a model built or
  changed inside a loop, a branch, a ``with``/``try`` block, a function or an expression is an
  error naming the line, since reading it right would need running the code.

Every problem is a :class:`~generator.errors.SpecError` whose one-line message names the file,
the layer index and type, the argument and the value received (cut to a bounded length).

:mod:`generator.spec.validate` checks layer arguments and reads the YAML/JSON form;
:mod:`generator.spec.python` reads Keras source; this package re-exports both and chooses by the
file's suffix (:func:`load_spec`).

>>> spec = spec_from_dict({"input_shape": [28, 28, 1],
...                        "layers": [{"Conv2D": {"filters": 32, "kernel_size": 3}}]})
>>> spec.layers[0].kernel_size
(3, 3)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.engine.layer import Layer
from generator.engine.model import ModelSpec
from generator.errors import SpecError, UserError, brief
from generator.pytorch.spec import torch_spec_from_dict
from generator.spec.python import parse_python, parse_python_models
from generator.spec.source import MAX_AST_DEPTH
from generator.spec.validate import (
    DTYPES,
    build_layer,
    input_shape,
    supported_layers,
)
from generator.spec.validate import spec_from_dict as keras_spec_from_dict
from generator.userfiles import load_json, load_yaml, read_text

__all__ = [
    "DTYPES",
    "MAX_AST_DEPTH",
    "build_layer",
    "input_shape",
    "load_spec",
    "parse_python",
    "parse_python_models",
    "spec_from_dict",
    "supported_layers",
]


def spec_from_dict(data: Any, source: str = "spec", known: dict[str, Layer] | None = None) -> ModelSpec:
    """Validates the YAML/JSON form (already loaded) into a :class:`ModelSpec`: Keras' form, or
    PyTorch's where ``framework: pytorch`` (:func:`generator.pytorch.spec.torch_spec_from_dict`).
    ``known`` caches validated Keras layers (see :func:`generator.spec.validate.spec_from_dict`)."""
    if isinstance(data, dict) and data.get("framework") == "pytorch":
        return torch_spec_from_dict(data, source)
    return keras_spec_from_dict(data, source, known)


def load_spec(path: str | Path, input_shape: tuple[int, ...] | None = None) -> ModelSpec:
    """Reads a spec file: ``.yaml``/``.yml``, ``.json``, Keras source ``.py`` or PyTorch source
    ``.py`` (which needs ``input_shape``, channels first; for a PyTorch YAML/JSON spec it replaces
    the file's)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".py", ".json", ".yaml", ".yml"):
        raise SpecError(f"{path}: unknown spec format {brief(suffix)}; use .yaml, .yml, .json or .py")
    try:
        text = read_text(path, "spec")
        if suffix == ".py":
            from generator.pytorch.source import is_torch_source, parse_torch

            if is_torch_source(text):
                return parse_torch(text, str(path), input_shape)
            if input_shape is not None:
                raise SpecError(f"{path}: an input shape is given for PyTorch models only; Keras source gives its own "
                                "(keras.Input(shape=...))")
            return parse_python(text, str(path))
        data = load_json(text, str(path)) if suffix == ".json" else load_yaml(text, str(path))
    except SpecError:
        raise
    except UserError as exc:
        raise SpecError(str(exc)) from None
    if input_shape is not None and isinstance(data, dict) and data.get("framework") == "pytorch":
        return torch_spec_from_dict(data, str(path), input_shape)
    spec = spec_from_dict(data, str(path))
    if input_shape is not None and not spec.is_torch:
        raise SpecError(f"{path}: an input shape is given for PyTorch models only; this Keras spec has its own "
                        f"(input_shape: {list(spec.input_shape)})")
    return spec
