"""Formatting an analysed PyTorch model: torchinfo's summary layout (``Layer (type:depth-idx)``,
``Output Shape``, ``Param #``), the worked derivation, Markdown, and PyTorch source that builds
the model (read back by :func:`generator.pytorch.source.parse_torch`).

Only formatting lives here; every number comes from :class:`~generator.engine.model.Summary`.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from generator.engine.model import LayerRecord, ModelSpec, Summary
from generator.pytorch.layers import Module, torch_shape

WIDTHS = (40, 25)
"""torchinfo's column widths (the third column ends the line)."""


class Row(NamedTuple):
    """One line of torchinfo's table: a module or a container (nn.Sequential), by depth."""

    type_name: str
    depth: int
    number: int
    """Its place among the rows of its depth (torchinfo's ``idx``)."""
    output: str
    params: str
    buffers: int = 0

    @property
    def label(self) -> str:
        """``├─Conv2d: 1-1``; deeper: ``│    └─Conv2d: 2-1``."""
        if self.depth == 0:
            return self.type_name
        return "│    " * (self.depth - 1) + ("└─" if self.depth > 1 else "├─") + f"{self.type_name}: {self.depth}-{self.number}"


def _params(record: LayerRecord, seen: set[str]) -> str:
    """torchinfo's Param # cell: ``2,416``; ``(224)`` when frozen; ``--`` for none;
    ``(recursive)`` for a module called again."""
    if record.name in seen:
        return "(recursive)" if _has_params(record) else "--"
    if record.params == 0:
        return "--"
    return f"({record.params:,})" if record.trainable == 0 else f"{record.params:,}"


def _has_params(record: LayerRecord) -> bool:
    return isinstance(record.layer, Module) and record.layer.has_weights


def rows(summary: Summary) -> list[Row]:
    """The table's rows: the model, then each module call (functions such as ``F.relu`` have no
    module, so no row, as in torchinfo), with a row for each nn.Sequential around them."""
    batch = summary.spec.batch_size
    records = [r for r in summary.records if not getattr(r.layer, "functional", False)]
    out = [Row(summary.spec.name, 0, 0, torch_shape(summary.output_shape, batch), "--")]
    counters: dict[int, int] = {}
    open_chain: list[str] = []
    seen: set[str] = set()
    for position, record in enumerate(records):
        parts = record.name.split(".")
        chain = [".".join(parts[:i]) for i in range(1, len(parts))]
        keep = 0
        while keep < min(len(chain), len(open_chain)) and chain[keep] == open_chain[keep]:
            keep += 1
        for depth, container in enumerate(chain[keep:], start=keep + 1):
            last = next(r for r in reversed(records[position:]) if r.name.startswith(container + ".")
                        and all(x.name.startswith(container + ".") for x in records[position:records.index(r) + 1]))
            counters[depth] = counters.get(depth, 0) + 1
            out.append(Row("Sequential", depth, counters[depth], torch_shape(last.output_shape, batch), "--"))
        open_chain = chain
        depth = len(parts)
        counters[depth] = counters.get(depth, 0) + 1
        out.append(Row(record.type_name, depth, counters[depth], torch_shape(record.output_shape, batch),
                       _params(record, seen), record.buffers))
        seen.add(record.name)
    return out


def totals(summary: Summary) -> list[str]:
    """torchinfo's totals, then the buffers (BatchNorm's running statistics), which it leaves
    out: they are saved with the model but are not parameters."""
    lines = [f"Total params: {summary.total_params:,}", f"Trainable params: {summary.trainable_params:,}",
             f"Non-trainable params: {summary.non_trainable_params:,}"]
    if summary.buffers:
        lines.append(f"Buffers (not parameters): {summary.buffers:,}")
    return lines


def _line(cells: tuple[str, str, str]) -> str:
    return (f"{cells[0]:<{WIDTHS[0]}} {cells[1]:<{WIDTHS[1]}} {cells[2]}").rstrip()


RULE = "=" * 90


def table(summary: Summary) -> list[str]:
    """torchinfo's summary of the model, line by line."""
    lines = [RULE, _line(("Layer (type:depth-idx)", "Output Shape", "Param #")), RULE]
    lines += [_line((row.label, row.output, row.params)) for row in rows(summary)]
    return [*lines, RULE, *totals(summary), RULE]


def _call(record: LayerRecord) -> str:
    layer = record.layer
    if getattr(layer, "functional", False):
        return f"{record.name} (function)"
    return f"{record.name} ({record.type_name})"


def to_text(summary: Summary, derivation: bool = True) -> str:
    """torchinfo's table, then each layer's worked derivation."""
    batch = summary.spec.batch_size
    lines = [f'Model: "{summary.spec.name}" (PyTorch)', f"Input shape: {torch_shape(summary.spec.input_shape, batch)}",
             *table(summary)]
    if derivation:
        lines += ["", "Worked derivation (shapes channels first: [batch, C, H, W])"]
        for r in summary.records:
            lines.append(f"[{r.index}] {_call(r)}, input {torch_shape(r.input_shape, batch)}:")
            lines += [f"    {step.text}" for step in r.steps]
    return "\n".join(lines) + "\n"


def to_markdown(summary: Summary, derivation: bool = True) -> str:
    """torchinfo's table as GFM (with the buffers as a column), and the derivation as lists."""
    batch = summary.spec.batch_size
    lines = [f"**PyTorch model `{summary.spec.name}`**, input shape `{torch_shape(summary.spec.input_shape, batch)}`", "",
             "| Layer (type:depth-idx) | Output Shape | Param # | Buffers |", "|---|---|---:|---:|"]
    for row in rows(summary):
        label = row.label.replace("│", "&#124;")  # a table cell may not hold a bare pipe
        lines.append(f"| {label} | `{row.output}` | {row.params} | {f'{row.buffers:,}' if row.buffers else '--'} |")
    lines += ["", *(f"- {t}" for t in totals(summary))]
    if derivation:
        lines += ["", "**Worked derivation** (shapes channels first)", ""]
        for r in summary.records:
            lines.append(f"{r.index + 1}. `{r.name}` ({'function' if getattr(r.layer, 'functional', False) else r.type_name}), "
                         f"input `{torch_shape(r.input_shape, batch)}`")
            lines += [f"    - {step.text}" for step in r.steps]
    return "\n".join(lines) + "\n"


def module_call(layer: Module) -> str:
    """``nn.Conv2d(3, 6, 5)``: required arguments positional, the rest by keyword."""
    kwargs = layer.torch_kwargs()
    required = [f.name for f in layer.arguments() if f.metadata["required"]]
    parts = [_py(kwargs.pop(name)) for name in required]
    parts += [f"{k}={_py(v)}" for k, v in kwargs.items()]
    return f"nn.{layer.type_name}({', '.join(parts)})"


def _py(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(_py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _function_call(layer: Module, name: str) -> str:
    """``F.relu(x)``, ``torch.flatten(x, 1)``, ``x.view(x.size(0), -1)``."""
    kwargs = layer.torch_kwargs()
    if layer.type_name == "view":
        sizes = ", ".join("x.size(0)" if v == "N" else str(v) for v in kwargs["shape"])
        return f"x.{kwargs.get('method', 'view')}({sizes})"
    owner = name.rsplit(".", 1)[0] if "." in name else ("torch" if layer.function == "flatten" else "F")
    if layer.function == "flatten":
        kwargs.setdefault("start_dim", 1)
        return f"{owner}.flatten(x, {kwargs['start_dim']})"
    args = ["x", *(f"{k}={_py(v)}" for k, v in kwargs.items())]
    return f"{owner}.{layer.function}({', '.join(args)})"


def torch_source(spec: ModelSpec) -> str:
    """PyTorch code that builds ``spec``: an nn.Sequential when every module is named by its
    index, else an nn.Module class whose forward calls each module (or nn.Sequential) in turn.

    >>> from generator.pytorch import Conv2d, Flatten, Linear
    >>> print(torch_source(ModelSpec((1, 28, 28), (Conv2d(1, 8, 3), Flatten(), Linear(5408, 10)), framework="pytorch")))
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.Flatten(),
        nn.Linear(5408, 10),
    )
    """
    layers = [layer for layer in spec.layers if isinstance(layer, Module)]
    names = [layer.name or str(i) for i, layer in enumerate(layers)]
    if all(not layer.functional for layer in layers) and names == [str(i) for i in range(len(layers))]:
        return "\n".join(["model = nn.Sequential(", *_tree(list(zip(names, layers, strict=True)), 0, "    "), ")"])
    init: list[str] = []
    forward: list[str] = []
    defined: set[str] = set()
    for i, (layer, name) in enumerate(zip(layers, names, strict=True)):
        if layer.functional:
            forward.append(f"        x = {_function_call(layer, name)}")
            continue
        top = name.split(".")[0]
        attr = top if top.isidentifier() else f"layer{i}"
        if top in defined:
            if "." not in name:
                forward.append(f"        x = self.{attr}(x)")
            continue
        defined.add(top)
        if "." in name:
            members = [(n, m) for n, m in zip(names, layers, strict=True) if n.split(".")[0] == top and not m.functional]
            init += [f"        self.{attr} = nn.Sequential(", *_tree(members, 1, "            "), "        )"]
        else:
            init.append(f"        self.{attr} = {module_call(layer)}")
        forward.append(f"        x = self.{attr}(x)")
    cls = spec.name if spec.name.isidentifier() else "Net"
    return "\n".join([f"class {cls}(nn.Module):", "    def __init__(self):", "        super().__init__()", *init, "",
                      "    def forward(self, x):", *forward, "        return x"])


def _tree(members: list[tuple[str, Module]], depth: int, indent: str) -> list[str]:
    """The children of one nn.Sequential (``members`` named by their paths, ``depth`` parts of
    which name the container), nested nn.Sequential written inside it."""
    lines: list[str] = []
    done: set[str] = set()
    for name, layer in members:
        parts = name.split(".")
        if len(parts) == depth + 1:
            lines.append(f"{indent}{module_call(layer)},")
            continue
        child = ".".join(parts[:depth + 1])
        if child in done:
            continue
        done.add(child)
        inner = [(n, m) for n, m in members if n.startswith(child + ".")]
        lines += [f"{indent}nn.Sequential(", *_tree(inner, depth + 1, indent + "    "), f"{indent}),"]
    return lines


def to_json(summary: Summary) -> str:
    """``explain --format json`` of a PyTorch model: shapes with the batch, buffers apart."""
    return json.dumps(summary.to_dict(), indent=2) + "\n"


def to_latex(summary: Summary) -> str:
    """Each layer's derivation as a LaTeX ``align*`` block (as for Keras)."""
    from generator.engine.formatting import to_latex as engine_latex

    return engine_latex(summary)


TORCH_FORMATTERS = {"text": to_text, "md": to_markdown, "json": to_json, "latex": to_latex}
"""The ``explain`` formats of a PyTorch model (the figures draw Keras models)."""
