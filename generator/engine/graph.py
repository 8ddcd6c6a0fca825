"""Wiring a model's layers into a graph (Keras' functional API): which layers each layer takes,
and which are the model's outputs.

A graph spec lists its layers so that each comes after the layers it takes (the order a
functional script creates them in, and a topological order, which the worked derivation
walks); a layer that names no inputs takes the one listed before it, as in a Sequential model.
Names are Keras' (a layer's ``name``, else its automatic ``conv2d_1``), and the model input is
called ``input_layer`` unless named.

>>> from generator.engine.layers import Add, Conv2D
>>> layers = (Conv2D(8, (3, 3), padding="same"), Add())
>>> connect(layers, [None, ["conv2d", "input_layer"]], None, "input_layer", "spec.yaml")
(((-1,), (0, -1)), (1,))
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.engine.layer import Layer
from generator.engine.merging import Merge
from generator.errors import SpecError, brief

INPUT = -1
"""The index that stands for the model input among a layer's inputs."""


def connect(
    layers: Sequence[Layer],
    wiring: Sequence[Sequence[str] | None],
    outputs: Sequence[str] | None,
    input_name: str,
    source: str,
) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Each layer's inputs as indices (:data:`INPUT` for the model input) and the outputs'
    indices, from names.

    Args:
        layers: The layers in the order listed.
        wiring: For each layer, the names of the layers it takes, or None for the one before.
        outputs: The names of the model's outputs, or None for the last layer.
        input_name: The model input's name.
        source: The file, for error messages.

    Raises:
        SpecError: a name that is no layer listed before, a layer that takes more than one input
            without being a merge, an output that is no layer, or a layer that leads to no
            output (Keras would leave it out of the model); one line naming the layer.
    """
    from generator.engine.model import keras_layer_names

    names = keras_layer_names(tuple(layers))
    if input_name in names:
        i = names.index(input_name)
        raise SpecError(f"{source}: layer {i} is named {brief(input_name)}, the model input's name; Keras requires unique names")
    index = {name: i for i, name in enumerate(names)}
    index[input_name] = INPUT
    inputs: list[tuple[int, ...]] = []
    for i, (layer, given) in enumerate(zip(layers, wiring, strict=True)):
        where = f"{source}: layer {i} ({layer.type_name} {names[i]!r})"
        if given is None:
            inputs.append((i - 1 if i else INPUT,))
            continue
        found = []
        for name in given:
            j = index.get(name)
            if j is None:
                raise SpecError(f"{where}: inputs: no layer is named {brief(name)}; expected {input_name!r} or a layer's name")
            if j >= i:
                raise SpecError(f"{where}: inputs: {brief(name)} is listed after this layer; list each layer after the layers it takes")
            found.append(j)
        if not found:
            raise SpecError(f"{where}: inputs: expected at least one input")
        if len(found) > 1 and not isinstance(layer, Merge):
            raise SpecError(
                f"{where}: takes one input, got {len(found)}; join tensors with a merge layer (Add, Concatenate, ...) first"
            )
        inputs.append(tuple(found))
    out = tuple(_outputs(outputs, index, len(layers), input_name, source))
    _check_used(names, inputs, out, source)
    return tuple(inputs), out


def _outputs(outputs: Sequence[str] | None, index: dict[str, int], n: int, input_name: str, source: str) -> list[int]:
    if outputs is None:
        return [n - 1]
    if not outputs:
        raise SpecError(f"{source}: outputs: expected at least one layer name")
    found: list[int] = []
    for name in outputs:
        j = index.get(name)
        if j is None or j == INPUT:
            raise SpecError(f"{source}: outputs: no layer is named {brief(name)}" if j is None
                            else f"{source}: outputs: {input_name!r} is the model input, not a layer")
        if j in found:
            raise SpecError(f"{source}: outputs: {brief(name)} is listed twice")
        found.append(j)
    return found


def _check_used(names: list[str], inputs: list[tuple[int, ...]], outputs: tuple[int, ...], source: str) -> None:
    """Every layer must lead to an output: Keras builds a functional model from its outputs
    back, so any other layer would silently not be part of it. Named: a layer no layer takes
    (the end of such a branch)."""
    taken = {j for sources in inputs for j in sources}
    unused = [i for i in range(len(names)) if i not in taken and i not in outputs]
    if unused:
        i = unused[0]
        raise SpecError(
            f"{source}: layer {i} ({names[i]!r}) is taken by no layer and is not among the outputs, so Keras would "
            "leave it out of the model; take it as some layer's input, add it to outputs, or remove it"
        )
