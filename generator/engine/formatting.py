"""Formatting an analysed model: Keras-style text summary, Markdown, LaTeX and JSON.

Only formatting lives here; every number comes from :class:`~generator.engine.model.Summary`.
"""

from __future__ import annotations

import json

from generator.engine.layers import shape_str
from generator.engine.model import Summary


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
        body = [rf"\text{{{s.quantity}}} &= {s.latex}" for s in r.steps]
        out.append(" \\\\\n".join(body))
        out.append(r"\end{align*}")
    return "\n".join(out) + "\n"


def to_json(summary: Summary) -> str:
    """``explain --format json``: stable key order, two-space indent."""
    return json.dumps(summary.to_dict(), indent=2) + "\n"
