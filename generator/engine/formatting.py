"""Formatting an analysed model: Keras-style text summary, Markdown, LaTeX and JSON.

Only formatting lives here; every number comes from :class:`~generator.engine.model.Summary`.
"""

from __future__ import annotations

import json
import keyword

from generator.engine.layers import Layer, Merge, shape_str
from generator.engine.model import LayerRecord, ModelSpec, Summary, keras_layer_names
from generator.engine.receptive import receptive_fields


def _rows(summary: Summary) -> list[tuple[str, ...]]:
    """One row per layer; a functional model's rows start with its InputLayer and end with
    "Connected to", as Keras' summary shows them."""
    rows = [(f"{r.name} ({r.type_name})", shape_str(r.output_shape), f"{r.params:,}", connected_to(r.sources))
            for r in summary.records]
    if not summary.spec.is_graph:
        return [row[:3] for row in rows]
    return [(f"{summary.spec.input_name} (InputLayer)", shape_str(summary.spec.input_shape), "0", "-"), *rows]


def connected_to(sources: tuple[str, ...]) -> str:
    """Keras' "Connected to" cell: each input as ``name[node][tensor]``.

    >>> connected_to(("conv2d_1", "input_layer"))
    'conv2d_1[0][0], input_layer[0][0]'
    """
    return ", ".join(f"{name}[0][0]" for name in sources)


def _totals(summary: Summary) -> list[str]:
    return [
        f"Total params: {summary.total_params:,}",
        f"Trainable params: {summary.trainable_params:,}",
        f"Non-trainable params: {summary.non_trainable_params:,}",
    ]


def _inputs(summary: Summary, r: LayerRecord, code: str = "") -> str:
    """``input (None, 8, 8, 3)``; in a graph, with the layer each input comes from."""
    if not r.sources:
        return f"input {code}{shape_str(r.input_shape)}{code}"
    parts = [f"{code}{shape_str(shape)}{code} from {code}{name}{code}" for name, shape in zip(r.sources, r.input_shapes, strict=True)]
    return f"input{'s' if len(parts) > 1 else ''} {' and '.join(parts)}"


_ORDER_NOTE = "(in topological order: each layer after the layers it takes)"


def to_text(summary: Summary, derivation: bool = True) -> str:
    """``model.summary()`` as Keras prints it (with "Connected to" for a functional model),
    then each layer's worked derivation."""
    graph = summary.spec.is_graph
    head = ("Layer (type)", "Output Shape", "Param #", "Connected to")
    rows = [head[:4 if graph else 3], *_rows(summary)]
    widths = [max(len(row[i]) for row in rows) + 3 for i in range(len(rows[0]) - 1)]
    rule = "_" * (sum(widths) + max(len(r[-1]) for r in rows))
    lines = [f'Model: "{summary.spec.name}"', f"Input shape: {shape_str(summary.spec.input_shape)}", rule]
    for i, row in enumerate(rows):
        lines.append(("".join(f"{cell:<{w}}" for cell, w in zip(row[:-1], widths, strict=True)) + row[-1]).rstrip())
        lines.append("=" * len(rule) if i == 0 else rule if i == len(rows) - 1 else "")
    lines = [line for line in lines if line != ""]
    lines += _totals(summary) + [rule]
    if graph:
        lines.insert(len(lines) - 4, f"Outputs: {', '.join(summary.records[i].name for i in summary.spec.output_indices)}")
    if derivation:
        lines.append("")
        lines.append("Worked derivation" + (f" {_ORDER_NOTE}" if graph else ""))
        for r in summary.records:
            lines.append(f"[{r.index}] {r.name} ({r.type_name}), {_inputs(summary, r)}:")
            lines += [f"    {step.text}" for step in r.steps]
    return "\n".join(lines) + "\n"


def to_markdown(summary: Summary, derivation: bool = True) -> str:
    """A CommonMark/GFM summary table and, per layer, its derivation as a list."""
    graph = summary.spec.is_graph
    lines = [
        f"**Model `{summary.spec.name}`**, input shape `{shape_str(summary.spec.input_shape)}`",
        "",
        "| # | Layer (type) | Output Shape | Param # | Trainable | Non-trainable |" + (" Connected to |" if graph else ""),
        "|---:|---|---|---:|---:|---:|" + ("---|" if graph else ""),
    ]
    if graph:
        lines.append(f"| | {summary.spec.input_name} (InputLayer) | `{shape_str(summary.spec.input_shape)}` | 0 | 0 | 0 | - |")
    for r in summary.records:
        lines.append(
            f"| {r.index} | {r.name} ({r.type_name}) | `{shape_str(r.output_shape)}` | {r.params:,} "
            f"| {r.trainable:,} | {r.non_trainable:,} |" + (f" {connected_to(r.sources)} |" if graph else "")
        )
    lines += ["", *(f"- {t}" for t in _totals(summary))]
    if graph:
        lines.append(f"- Outputs: {', '.join(summary.records[i].name for i in summary.spec.output_indices)}")
    if derivation:
        lines += ["", "**Worked derivation**" + (f" {_ORDER_NOTE}" if graph else ""), ""]
        for r in summary.records:
            lines.append(f"{r.index + 1}. `{r.name}` ({r.type_name}), {_inputs(summary, r, '`')}")
            lines += [f"    - {step.text}" for step in r.steps]
    return "\n".join(lines) + "\n"


def to_latex(summary: Summary) -> str:
    """Each layer's derivation as a LaTeX ``align*`` block."""
    out = []
    for r in summary.records:
        out.append(f"% [{r.index}] {r.name} ({r.type_name})")
        out.append(r"\begin{align*}")
        body = [rf"\text{{{s.label}}} &= {s.latex}" for s in r.steps]
        out.append(" \\\\\n".join(body))
        out.append(r"\end{align*}")
    return "\n".join(out) + "\n"


def to_json(summary: Summary) -> str:
    """``explain --format json``: stable key order, two-space indent. Every layer whose output
    is still a map of the input has its ``receptive_field``: after Conv2DTranspose and
    UpSampling2D, that of the central output unit (:mod:`generator.engine.receptive`)."""
    data = summary.to_dict()
    if any(r.receptive_field is None and len(r.output_shape) == 3 for r in summary.records):
        for layer, fov in zip(data["layers"], receptive_fields(summary.spec), strict=True):
            if fov is not None and "receptive_field" not in layer:
                layer["receptive_field"] = list(fov.size)
    return json.dumps(data, indent=2) + "\n"


def _py(value: object) -> str:
    if isinstance(value, str):
        return repr(value).replace("'", '"')
    if isinstance(value, tuple):
        return "(" + ", ".join(_py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def keras_source(spec: ModelSpec) -> str:
    """Keras 3 code that builds ``spec`` (read back by :func:`generator.spec.parse_python`).

    >>> from generator.engine.layers import Conv2D
    >>> print(keras_source(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3), activation="relu"),))))
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
    ])
    """
    if spec.is_graph:
        return _functional_source(spec)
    lines = ["model = keras.Sequential([", f"    keras.Input(shape={_py(spec.input_shape)}),"]
    for layer in spec.layers:
        lines.append(f"    layers.{layer_call(layer)},")
    lines.append("])")
    return "\n".join(lines)


def _functional_source(spec: ModelSpec) -> str:
    """A functional model as Keras code, one layer a line, each output in a variable named after
    its layer (read back by :func:`generator.spec.parse_python`).

    >>> from generator.engine.layers import Add, Conv2D
    >>> print(keras_source(ModelSpec((8, 8, 4), (Conv2D(4, (3, 3), padding="same"), Add()), inputs=((-1,), (0, -1)))))
    inputs = keras.Input(shape=(8, 8, 4))
    conv2d = layers.Conv2D(4, (3, 3), padding="same")(inputs)
    add = layers.Add()([conv2d, inputs])
    model = keras.Model(inputs, add)
    """
    taken = {"keras", "layers", "inputs", "model"}
    names = []
    for i, name in enumerate(keras_layer_names(spec.layers)):
        ok = name.isidentifier() and not keyword.iskeyword(name) and name not in taken
        names.append(name if ok else f"x{i}")
        taken.add(names[-1])
    name_arg = "" if spec.input_name == "input_layer" else f", name={_py(spec.input_name)}"
    lines = [f"inputs = keras.Input(shape={_py(spec.input_shape)}{name_arg})"]
    for i, layer in enumerate(spec.layers):
        args = [("inputs" if j < 0 else names[j]) for j in spec.inputs[i]]
        given = f"[{', '.join(args)}]" if isinstance(layer, Merge) else args[0]
        lines.append(f"{names[i]} = layers.{layer_call(layer)}({given})")
    outs = [names[i] for i in spec.output_indices]
    model_name = "" if spec.name == "model" else f", name={_py(spec.name)}"
    lines.append(f"model = keras.Model(inputs, {outs[0] if len(outs) == 1 else '[' + ', '.join(outs) + ']'}{model_name})")
    return "\n".join(lines)


def layer_call(layer: Layer) -> str:
    """``Conv2D(32, (3, 3), strides=(2, 2), padding="same")``: required arguments positional,
    the rest by keyword, as Keras' documentation writes them."""
    kwargs = layer.keras_kwargs()
    required = [f.name for f in layer.arguments() if f.metadata["required"]]
    parts = [_py(kwargs.pop(name)) for name in required]
    parts += [f"{k}={_py(v)}" for k, v in kwargs.items()]
    return f"{layer.type_name}({', '.join(parts)})"


def count_of(n: float, noun: str) -> str:
    """``1 problem``, ``12 problems``, ``12,544 multiply-adds``: a count with its noun.

    >>> count_of(1, "multiply-add"), count_of(12544, "multiply-add"), count_of(2.5, "point")
    ('1 multiply-add', '12,544 multiply-adds', '2.5 points')
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def article(word: str) -> str:
    """``a Conv2D``, ``an AveragePooling2D``: a layer type with its indefinite article.

    >>> article("AveragePooling2D"), article("Conv2D"), article("UpSampling2D")
    ('an AveragePooling2D', 'a Conv2D', 'an UpSampling2D')
    """
    return f"{'an' if word[:1] in 'AEIOU' else 'a'} {word}"
