"""Formatting an analysed model: Keras-style text summary, Markdown, LaTeX and JSON.

Only formatting lives here; every number comes from :class:`~generator.engine.model.Summary`.
"""

from __future__ import annotations

import json

from generator.engine.layers import Layer, shape_str
from generator.engine.model import ModelSpec, Summary
from generator.engine.receptive import receptive_fields


def _rows(summary: Summary) -> list[tuple[str, str, str]]:
    return [
        (f"{r.name} ({r.type_name})", shape_str(r.output_shape), f"{r.params:,}")
        for r in summary.records
    ]


def _totals(summary: Summary) -> list[str]:
    return [
        f"Total params: {summary.total_params:,}",
        f"Trainable params: {summary.trainable_params:,}",
        f"Non-trainable params: {summary.non_trainable_params:,}",
    ]


def to_text(summary: Summary, derivation: bool = True) -> str:
    """``model.summary()`` as Keras prints it, then each layer's worked derivation."""
    rows = [("Layer (type)", "Output Shape", "Param #"), *_rows(summary)]
    widths = [max(len(row[i]) for row in rows) + 3 for i in range(2)]
    rule = "_" * (sum(widths) + max(len(r[2]) for r in rows))
    lines = [f'Model: "{summary.spec.name}"', f"Input shape: {shape_str(summary.spec.input_shape)}", rule]
    for i, (a, b, c) in enumerate(rows):
        lines.append(f"{a:<{widths[0]}}{b:<{widths[1]}}{c}".rstrip())
        lines.append("=" * len(rule) if i == 0 else rule if i == len(rows) - 1 else "")
    lines = [line for line in lines if line != ""]
    lines += _totals(summary) + [rule]
    if derivation:
        lines.append("")
        lines.append("Worked derivation")
        for r in summary.records:
            lines.append(f"[{r.index}] {r.name} ({r.type_name}), input {shape_str(r.input_shape)}:")
            lines += [f"    {step.text}" for step in r.steps]
    return "\n".join(lines) + "\n"


def to_markdown(summary: Summary, derivation: bool = True) -> str:
    """A CommonMark/GFM summary table and, per layer, its derivation as a list."""
    lines = [
        f"**Model `{summary.spec.name}`**, input shape `{shape_str(summary.spec.input_shape)}`",
        "",
        "| # | Layer (type) | Output Shape | Param # | Trainable | Non-trainable |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for r in summary.records:
        lines.append(
            f"| {r.index} | {r.name} ({r.type_name}) | `{shape_str(r.output_shape)}` | {r.params:,} "
            f"| {r.trainable:,} | {r.non_trainable:,} |"
        )
    lines += ["", *(f"- {t}" for t in _totals(summary))]
    if derivation:
        lines += ["", "**Worked derivation**", ""]
        for r in summary.records:
            lines.append(f"{r.index + 1}. `{r.name}` ({r.type_name}), input `{shape_str(r.input_shape)}`")
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
    lines = ["model = keras.Sequential([", f"    keras.Input(shape={_py(spec.input_shape)}),"]
    for layer in spec.layers:
        lines.append(f"    layers.{layer_call(layer)},")
    lines.append("])")
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
