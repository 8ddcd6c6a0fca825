"""``explain``: a model spec's summary table and worked derivation, and its check against Keras.

Both functions take plain values and print nothing; :mod:`generator.cli.explain` prints.
"""

from __future__ import annotations

from pathlib import Path

from generator.engine import Summary, analyze
from generator.engine.formatting import to_json, to_latex, to_markdown, to_text
from generator.errors import UserError, VerificationError, brief
from generator.figures import model_figure, window_figure
from generator.spec import load_spec


def to_svg(summary: Summary) -> str:
    """The model's architecture strip as a standalone SVG file (of a Sequential model: the strip
    draws a chain, and would misdraw a graph's branches)."""
    if summary.spec.is_graph:
        raise UserError("explain --format svg: the architecture strip draws Sequential models (a chain of layers); "
                        f"{summary.spec.name!r} is a functional model with branches, so use --format text, md or json")
    return model_figure(summary).document


def to_window(summary: Summary) -> str:
    """The sliding-window figure of a one-layer convolution or pooling spec (perhaps after a
    ZeroPadding2D), as a standalone SVG file."""
    figure = window_figure(summary.spec)
    if figure is None:
        raise UserError("explain --format window: the spec must be one Conv2D, DepthwiseConv2D, SeparableConv2D or "
                        f"pooling layer, perhaps after a ZeroPadding2D. Received: {len(summary.records)} layers "
                        f"({', '.join(r.type_name for r in summary.records[:4])}{', ...' if len(summary.records) > 4 else ''})")
    return figure.document


FORMATTERS = {"text": to_text, "md": to_markdown, "json": to_json, "latex": to_latex, "svg": to_svg,
              "window": to_window}
"""The output formats of :func:`explain`, by name."""


def explain(path: str | Path, fmt: str = "text", input_shape: tuple[int, ...] | None = None) -> str:
    """The summary and worked derivation of the spec at ``path``.

    Args:
        path: An architecture spec: ``.yaml``/``.yml``/``.json``, or Keras or PyTorch ``.py``.
        fmt: One of :data:`FORMATTERS`: ``text``, ``md``, ``json``, ``latex``, ``svg`` (the
            architecture strip) or ``window`` (the sliding-window figure of a one-layer spec).
        input_shape: A PyTorch model's input shape, channels first (its source carries none).

    Returns:
        The formatted document, ending with a newline.

    Raises:
        UserError: An unreadable or invalid spec, or an unknown format.
    """
    if fmt not in FORMATTERS:
        raise UserError(f"explain: unknown format. Expected one of {', '.join(FORMATTERS)}. Received: fmt={brief(fmt)}")
    summary = analyze(load_spec(path, input_shape), explain=True)
    if summary.spec.is_torch:
        from generator.pytorch.summary import TORCH_FORMATTERS

        if fmt not in TORCH_FORMATTERS:
            raise UserError(f"explain --format {fmt}: the figures draw Keras models; for the PyTorch model "
                            f"{summary.spec.name!r} use --format {', '.join(TORCH_FORMATTERS)}")
        return TORCH_FORMATTERS[fmt](summary)
    return FORMATTERS[fmt](summary)


def verify_spec(path: str | Path, input_shape: tuple[int, ...] | None = None) -> int:
    """Builds the spec at ``path`` in Keras (in torch, for a PyTorch model) and compares every
    layer with the engine.

    Imports TensorFlow (or torch).

    Args:
        path: An architecture spec, as for :func:`explain`.

    Returns:
        How many layers Keras agrees on (shapes, trainable and non-trainable counts): all of them.

    Raises:
        UserError: An unreadable or invalid spec, or one too large to build here.
        VerificationError: Keras disagrees on some layer, or refuses the model.
    """
    summary = analyze(load_spec(path, input_shape))
    if summary.spec.is_torch:
        from generator.pytorch.verify import compare as compare_torch

        mismatches = compare_torch(summary)
    else:
        from generator.verify import compare

        mismatches = list(map(str, compare(summary)))
    if mismatches:
        raise VerificationError("; ".join(mismatches))
    return len(summary.records)
