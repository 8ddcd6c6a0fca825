"""Ground truth for PyTorch models: build the same modules in torch, run one batch through them,
and compare with the engine. Large models run on the ``meta`` device (shapes and counts, no
memory for weights), small ones on the CPU, whose kernels make every check (:data:`SMALL`).

The only module that imports torch, and only inside functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from generator.engine.model import ModelSpec, Summary, layer_names
from generator.errors import GeometryError, UserError, VerificationError, cut
from generator.key import Problem
from generator.pytorch.layers import Module

BATCH = 2
"""The batch run through torch: 2, so that a reshape that moves values between the batch and
the example (``x.view(-1, 400)`` on 800 values) shows as a changed batch."""

INSTALL = "pip install -e '.[torch]' (or make install), or leave the check out with --no-verify"


def torch_module() -> Any:
    """Imports torch, or says in one line how to install it."""
    try:
        import torch
    except ImportError:
        raise UserError(f"PyTorch is not installed, and checking a PyTorch model needs it: {INSTALL}") from None
    return torch


class TorchRefused(VerificationError):
    """torch would not build or run a model that the engine accepted."""


class Measured(NamedTuple):
    """What torch reports for one layer: its output without the batch, and its counts (0 for a
    module called again)."""

    output_shape: tuple[int, ...]
    trainable: int
    non_trainable: int
    buffers: int


SMALL = 2_000_000
"""Models with at most this many parameters run on the CPU, the rest on the meta device: meta
kernels compute shapes and counts without memory, but skip some of the CPU kernels' checks
(ConvTranspose's ``output_padding`` must be smaller than the stride or the dilation: seen with
torch 2.13, where the meta device runs what the CPU refuses)."""


def device_for(spec: ModelSpec) -> str:
    """``cpu`` for a small model (every check torch makes), ``meta`` for a large one (no memory
    for weights or activations)."""
    from generator.engine import analyze

    try:
        summary = analyze(spec)
    except GeometryError:
        return "cpu"  # the engine refused it: small enough to try for real
    biggest = max((math.prod(r.output_shape) for r in summary.records), default=0)
    return "cpu" if summary.total_params <= SMALL and biggest * BATCH <= SMALL else "meta"


def run_torch(spec: ModelSpec, device: str | None = None) -> list[Measured]:
    """Builds every module of ``spec`` in torch (on ``device``; :func:`device_for` by default) and
    runs a batch of :data:`BATCH` through them.

    Raises:
        TorchRefused: torch raised (its own message), or a layer changed the batch axis.
    """
    torch = torch_module()
    nn, functional = torch.nn, torch.nn.functional
    built: dict[str, Any] = {}
    out: list[Measured] = []
    names = layer_names(spec)
    with torch.device(device or device_for(spec)):
        x = torch.empty((BATCH, *spec.input_shape))
        for index, (layer, name) in enumerate(zip(spec.layers, names, strict=True)):
            assert isinstance(layer, Module)
            counts = (0, 0, 0)
            try:
                kwargs = layer.torch_kwargs()
                if layer.type_name == "view":
                    y = getattr(x, kwargs.get("method", "view"))(*[BATCH if v == "N" else v for v in kwargs["shape"]])
                elif layer.functional and layer.function == "flatten":
                    y = torch.flatten(x, kwargs.get("start_dim", 1), kwargs.get("end_dim", -1))
                elif layer.functional:
                    y = getattr(functional, layer.function)(x, **kwargs)
                else:
                    module = built.get(name)
                    if module is None:
                        module = built[name] = getattr(nn, layer.type_name)(**kwargs)
                        if not layer.trainable:
                            module.requires_grad_(False)
                        counts = _counts(module)
                    y = module(x)
            except Exception as exc:  # torch's own refusal, whatever its type
                raise TorchRefused(f"layer {index} ({name}: {layer.type_name}): {cut(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)}") from None
            if y.shape[0] != BATCH:
                raise TorchRefused(f"layer {index} ({name}: {layer.type_name}) changed the batch axis: [{BATCH}, ...] became {list(y.shape)}")
            out.append(Measured(tuple(y.shape[1:]), *counts))
            x = y
    return out


def _counts(module: Any) -> tuple[int, int, int]:
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in module.parameters() if not p.requires_grad)
    return trainable, frozen, sum(b.numel() for b in module.buffers())


def compare(summary: Summary, measured: list[Measured] | None = None) -> list[str]:
    """Every disagreement between the engine's summary and torch, one line each (empty: they
    agree on every layer's shape, trainable and frozen parameters, and buffers); ``measured``:
    torch's layers of ``summary.spec`` when already run."""
    measured = run_torch(summary.spec) if measured is None else measured
    problems = []
    for record, got in zip(summary.records, measured, strict=True):
        want = Measured(record.output_shape, record.trainable, record.non_trainable, record.buffers)
        if want != got:
            problems.append(f"layer {record.index} ({record.name}: {record.type_name}): engine {tuple(want)} vs torch {tuple(got)}")
    return problems


def agrees(spec: ModelSpec) -> tuple[bool, bool, str]:
    """``(engine accepts, torch accepts, what differs)`` for one spec: the property tests' check
    that both accept and refuse the same models."""
    from generator.engine import analyze

    try:
        summary = analyze(spec)
    except GeometryError as exc:
        try:
            run_torch(spec)
        except TorchRefused:
            return False, False, ""
        return False, True, f"the engine refused it ({exc}) but torch ran it"
    try:
        problems = compare(summary)
    except TorchRefused as exc:
        return True, False, f"torch refused it: {exc}"
    return True, True, "; ".join(problems)


def torch_version() -> str:
    """torch's version, for the keys' ``verified_with``."""
    return str(torch_module().__version__)


def verify_torch_problems(problems: Sequence[Problem], progress: Any = None) -> list[str]:
    """Checks PyTorch problems against torch: every module of each problem's model (shapes,
    parameters, buffers) and every blank asking for a shape (batch first) or a count torch
    reports. Returns the disagreements (empty when all agree)."""
    from generator.answers import canonical

    errors: list[str] = []
    for problem in problems:
        try:
            measured = run_torch(problem.model)
        except TorchRefused as exc:
            errors.append(f"{problem.id}: torch refused the model: {exc}")
            continue
        errors += [f"{problem.id}: {e}" for e in compare(problem.summary, measured)]
        batch = problem.model.batch_size
        for blank in problem.blanks:
            truth: str | None = None
            if blank.model is not None and not blank.model.is_torch:
                continue  # Keras' side of a comparison: checked against Keras (tests/test_pytorch_flavour.py)
            layers = measured if blank.model is None else run_torch(blank.model)
            if blank.layer is not None and blank.field == "output_shape":
                truth = canonical((batch, *layers[blank.layer].output_shape), "shape")
            elif blank.layer is not None and blank.field == "params":
                got = layers[blank.layer]
                truth = str(got.trainable + got.non_trainable)
            elif blank.field == "total_params":
                truth = str(sum(m.trainable + m.non_trainable for m in measured))
            elif blank.field == "buffers":
                truth = str(sum(m.buffers for m in measured))
            elif blank.field == "in_features" and blank.layer is not None:
                truth = str(measured[blank.layer - 1].output_shape[-1])
            elif blank.field == "padding" and measured[0].output_shape[1:] != problem.model.input_shape[1:]:
                truth = f"a padding that keeps {list(problem.model.input_shape[1:])}"
            if truth is not None and truth != blank.answer:
                errors.append(f"{problem.id}.{blank.id}: key {blank.answer!r} != torch {truth!r}")
        if progress is not None:
            progress.advance(1, f"verifying {problem.id}")
    return errors
