"""PyTorch's shape-keeping modules: dropout, activations (nn.PReLU learns its slopes),
nn.Identity; each also callable as ``torch.nn.functional`` in ``forward`` (``F.relu(x)``).

>>> from generator.engine.steps import Tracer
>>> PReLU(16).analyze((16, 8, 8), Tracer()).trainable
16
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from generator.engine.args import arg, boolean, dropout_rate, is_int, pos_int
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError
from generator.pytorch.layers import Module, torch_shape


def number(value: Any) -> float:
    """A finite number (a slope, an epsilon)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) < 1e300:
        raise ValueError("expected a number")
    return float(value)


def dim_arg(value: Any) -> int | None:
    """A dimension index counted with the batch axis (``dim=1``), or None."""
    if value is None:
        return None
    if not is_int(value) or not -8 <= value <= 8:
        raise ValueError("expected a dimension index from -8 to 8")
    return int(value)


def bad(what: str) -> Any:
    """Raises the ValueError of a coercer that expected ``what``."""
    raise ValueError(f"expected {what}")


@dataclass(frozen=True)
class Elementwise(Module):
    """A module that keeps the shape and learns nothing: dropout, activations, nn.Identity."""

    why: ClassVar[str] = "(an element-wise function)"

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        t.note(Quantity.PARAMS, self.why, 0)
        return Analysis(shape, 0, 0)


@dataclass(frozen=True)
class Dropout(Elementwise):
    type_name: ClassVar[str] = "Dropout"
    function: ClassVar[str] = "dropout"
    positional: ClassVar[tuple[str, ...]] = ("p", "inplace")
    function_positional: ClassVar[tuple[str, ...] | None] = ("p", "training", "inplace")
    why: ClassVar[str] = "(dropout has nothing to learn)"
    p: float = arg(0.5, coerce=dropout_rate)
    inplace: bool = arg(False, coerce=boolean)


@dataclass(frozen=True)
class Dropout2d(Dropout):
    type_name: ClassVar[str] = "Dropout2d"
    function: ClassVar[str] = "dropout2d"


@dataclass(frozen=True)
class Identity(Elementwise):
    type_name: ClassVar[str] = "Identity"
    why: ClassVar[str] = "(nn.Identity passes its input on)"


@dataclass(frozen=True)
class InPlace(Elementwise):
    positional: ClassVar[tuple[str, ...]] = ("inplace",)
    inplace: bool = arg(False, coerce=boolean)


@dataclass(frozen=True)
class ReLU(InPlace):
    type_name: ClassVar[str] = "ReLU"
    function: ClassVar[str] = "relu"


@dataclass(frozen=True)
class ReLU6(InPlace):
    type_name: ClassVar[str] = "ReLU6"
    function: ClassVar[str] = "relu6"


@dataclass(frozen=True)
class SiLU(InPlace):
    type_name: ClassVar[str] = "SiLU"
    function: ClassVar[str] = "silu"


@dataclass(frozen=True)
class Hardswish(InPlace):
    type_name: ClassVar[str] = "Hardswish"
    function: ClassVar[str] = "hardswish"


@dataclass(frozen=True)
class Mish(InPlace):
    type_name: ClassVar[str] = "Mish"
    function: ClassVar[str] = "mish"


@dataclass(frozen=True)
class LeakyReLU(Elementwise):
    type_name: ClassVar[str] = "LeakyReLU"
    function: ClassVar[str] = "leaky_relu"
    positional: ClassVar[tuple[str, ...]] = ("negative_slope", "inplace")
    negative_slope: float = arg(0.01, coerce=number)
    inplace: bool = arg(False, coerce=boolean)


@dataclass(frozen=True)
class ELU(Elementwise):
    type_name: ClassVar[str] = "ELU"
    function: ClassVar[str] = "elu"
    positional: ClassVar[tuple[str, ...]] = ("alpha", "inplace")
    alpha: float = arg(1.0, coerce=number)
    inplace: bool = arg(False, coerce=boolean)


@dataclass(frozen=True)
class GELU(Elementwise):
    type_name: ClassVar[str] = "GELU"
    function: ClassVar[str] = "gelu"
    positional: ClassVar[tuple[str, ...]] = ("approximate",)
    approximate: str = arg("none", coerce=lambda v: v if v in ("none", "tanh") else bad("'none' or 'tanh'"))


@dataclass(frozen=True)
class Sigmoid(Elementwise):
    type_name: ClassVar[str] = "Sigmoid"
    function: ClassVar[str] = "sigmoid"


@dataclass(frozen=True)
class Tanh(Elementwise):
    type_name: ClassVar[str] = "Tanh"
    function: ClassVar[str] = "tanh"


@dataclass(frozen=True)
class Softplus(Elementwise):
    type_name: ClassVar[str] = "Softplus"
    function: ClassVar[str] = "softplus"
    positional: ClassVar[tuple[str, ...]] = ("beta", "threshold")
    beta: float = arg(1.0, coerce=number)
    threshold: float = arg(20.0, coerce=number)


@dataclass(frozen=True)
class Softmax(Elementwise):
    """nn.Softmax / nn.LogSoftmax: ``dim`` must be an axis of the input."""

    type_name: ClassVar[str] = "Softmax"
    function: ClassVar[str] = "softmax"
    positional: ClassVar[tuple[str, ...]] = ("dim",)
    dim: int | None = arg(None, coerce=dim_arg)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        rank = len(shape) + 1
        if self.dim is not None and not -rank <= self.dim < rank:
            raise GeometryError(f"dim={self.dim} is out of range for the {rank}-D input {torch_shape(shape)}")
        return super().analyze(shape, t)


@dataclass(frozen=True)
class LogSoftmax(Softmax):
    type_name: ClassVar[str] = "LogSoftmax"
    function: ClassVar[str] = "log_softmax"


@dataclass(frozen=True)
class PReLU(Module):
    """nn.PReLU: one learned slope, or one per channel (``num_parameters=C``)."""

    type_name: ClassVar[str] = "PReLU"
    positional: ClassVar[tuple[str, ...]] = ("num_parameters", "init")
    has_weights: ClassVar[bool] = True
    num_parameters: int = arg(1, coerce=pos_int)
    init: float = arg(0.25, coerce=number)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if self.num_parameters not in (1, shape[0]):
            raise GeometryError(f"num_parameters is {self.num_parameters} but the input {torch_shape(shape)} has "
                                f"{shape[0]} channels (it must be 1 or the channels)")
        t.note(Quantity.PARAMS, "num_parameters (one learned negative slope each)", self.num_parameters)
        return Analysis(shape, self.num_parameters, 0)
