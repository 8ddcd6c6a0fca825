"""Layer arguments: each Keras argument kind as one coercer, and the field factory that binds one.

A layer spec declares each of its Keras arguments once, with its default and its coercer::

    strides: Pair = arg((1, 1), coerce=pair)

The spec reader (:mod:`generator.spec`) calls ``field.metadata["coerce"](raw)`` on the value it
read; a coercer returns the value in the engine's type or raises :class:`ValueError` with a
message that says what was expected (the reader adds which layer, which argument and the value
received). Coercers take any value a YAML, JSON or Python literal can hold.

>>> pair(3), pair([2, 1])
((3, 3), (2, 1))
>>> pair(0)
Traceback (most recent call last):
...
ValueError: expected a positive integer or a pair of positive integers
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")

Pair = tuple[int, int]

Coercer = Callable[[Any], Any]
"""Turns a value read from a spec into the engine's type, or raises ValueError."""

MAX_DIM = 100_000
"""Largest accepted size or count: big enough for any teaching example, small enough that a typo
(an extra zero or ten) is caught."""

ACTIVATIONS = frozenset({
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
    "threshold",
})
"""Keras 3's activation names (``keras.activations.get`` accepts exactly these; a keras-marked
test checks it), so a misspelt activation is refused here rather than by Keras."""


class Padding(StrEnum):
    """Keras' padding modes for convolution and pooling."""

    VALID = "valid"
    SAME = "same"
    CAUSAL = "causal"
    """Conv1D only: zeros before the sequence, none after (WaveNet)."""


def arg(
    default: Any,
    *,
    coerce: Coercer,
    required: bool = False,
    emit: bool = False,
    after: str | None = None,
) -> Any:
    """A layer-spec dataclass field that carries how the spec reader coerces its value.

    Args:
        default: The engine's default (Keras' default, in the engine's type).
        coerce: The coercer the spec reader applies to a value read for this argument.
        required: Keras has no default: the spec must give it, and
            :func:`~generator.engine.formatting.layer_call` writes it positionally.
        emit: Always written out by ``keras_kwargs``, even when equal to the default.
        after: Name of the argument this one follows in Keras calls and argument lists (for a
            field of a subclass that Keras lists among its base class's arguments); by default
            it follows the fields declared before it.

    Returns:
        A :func:`dataclasses.field`.
    """
    metadata = {"coerce": coerce, "required": required, "emit": emit, "after": after}
    return field(default=default, metadata=metadata)  # keyword-only: after a ``_: KW_ONLY`` line


def is_int(value: Any) -> bool:
    """Whether ``value`` is an int and not a bool.

    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def pos_int(value: Any) -> int:
    """A positive integer of at most :data:`MAX_DIM` (sizes, counts).

    >>> pos_int(32)
    32
    >>> pos_int(True)
    Traceback (most recent call last):
    ...
    ValueError: expected a positive integer (at most 100000)
    """
    if not is_int(value) or not 0 < value <= MAX_DIM:
        raise ValueError(f"expected a positive integer (at most {MAX_DIM})")
    return value


def nonneg_int(value: Any) -> int:
    """A non-negative integer of at most :data:`MAX_DIM` (padding).

    >>> nonneg_int(0)
    0
    """
    if not is_int(value) or not 0 <= value <= MAX_DIM:
        raise ValueError(f"expected a non-negative integer (at most {MAX_DIM})")
    return value


def pair_of(value: Any, item: Callable[[Any], int]) -> Pair:
    """An int for both axes, or a two-item list or tuple, each item coerced by ``item``.

    >>> pair_of(2, nonneg_int), pair_of((0, 1), nonneg_int)
    ((2, 2), (0, 1))
    """
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError("expected an integer or a pair of integers")
        return item(value[0]), item(value[1])
    return item(value), item(value)


def pair(value: Any) -> Pair:
    """Keras' ``kernel_size``, ``strides``, ``dilation_rate``, ``pool_size`` and ``size``: a
    positive int for both axes or a pair of positive ints.

    >>> pair((3, 1))
    (3, 1)
    """
    try:
        return pair_of(value, pos_int)
    except ValueError:
        raise ValueError("expected a positive integer or a pair of positive integers") from None


def nonneg_pair(value: Any) -> Pair:
    """A non-negative int for both axes or a pair of non-negative ints.

    >>> nonneg_pair(0)
    (0, 0)
    >>> nonneg_pair(-1)
    Traceback (most recent call last):
    ...
    ValueError: expected a non-negative integer or a pair of non-negative integers
    """
    try:
        return pair_of(value, nonneg_int)
    except ValueError:
        raise ValueError(
            "expected a non-negative integer or a pair of non-negative integers"
        ) from None


def target_shape(value: Any) -> tuple[int, ...]:
    """Reshape's ``target_shape``: one to four positive ints (the engine's flat, sequence, image
    and volume shapes), one of which may be -1 (inferred from the input's size).

    >>> target_shape([7, 7, 256]), target_shape((-1,)), target_shape((-1, 8))
    ((7, 7, 256), (-1,), (-1, 8))
    """
    if not isinstance(value, list | tuple) or len(value) not in (1, 2, 3, 4):
        raise ValueError("expected a tuple of 1 to 4 positive integers (one may be -1)")
    dims = tuple(-1 if is_int(v) and v == -1 else pos_int(v) for v in value)
    if dims.count(-1) > 1:
        raise ValueError("expected at most one -1 (the inferred axis)")
    return dims


def optional(coerce: Callable[[Any], T]) -> Callable[[Any], T | None]:
    """``coerce`` that also accepts ``None`` (Keras' "not given").

    >>> optional(pair)(None), optional(pair)(2)
    (None, (2, 2))
    """

    def coerce_or_none(value: Any) -> T | None:
        return None if value is None else coerce(value)

    coerce_or_none.__name__ = f"optional_{getattr(coerce, '__name__', 'value')}"
    return coerce_or_none


def pad2(value: Any) -> tuple[Pair, Pair]:
    """ZeroPadding2D's ``padding``: an int, a pair (rows, cols) or a pair of pairs
    ((top, bottom), (left, right)).

    >>> pad2(1), pad2((1, 2)), pad2(((0, 1), (2, 3)))
    (((1, 1), (1, 1)), ((1, 1), (2, 2)), ((0, 1), (2, 3)))
    """
    if isinstance(value, list | tuple) and len(value) == 2 and all(
        isinstance(v, list | tuple) for v in value
    ):
        return nonneg_pair(value[0]), nonneg_pair(value[1])
    try:
        h, w = nonneg_pair(value)
    except ValueError:
        raise ValueError(
            "expected an integer, a pair (rows, cols) or a pair of pairs "
            "((top, bottom), (left, right)) of non-negative integers"
        ) from None
    return (h, h), (w, w)


_AXES = {1: "", 2: "pair", 3: "triple"}


def axes_of(rank: int, item: Callable[[Any], int] | None = None, what: str = "positive") -> Callable[[Any], tuple[int, ...]]:
    """The coercer of a window argument of a rank-``rank`` layer (``kernel_size``, ``strides``
    ...): an int for every axis, or a list of ``rank`` ints, each coerced by ``item``
    (:func:`pos_int` unless given). Rank 2 is :func:`pair`.

    >>> axes_of(1)(3), axes_of(1)([3]), axes_of(3)(2), axes_of(3)((1, 2, 3))
    ((3,), (3,), (2, 2, 2), (1, 2, 3))
    >>> axes_of(3)((1, 2))
    Traceback (most recent call last):
    ...
    ValueError: expected a positive integer or a triple of positive integers
    """
    item = item or pos_int
    noun = "integer" if rank == 1 else f"integer or a {_AXES[rank]} of {what} integers"

    def coerce(value: Any) -> tuple[int, ...]:
        try:
            if isinstance(value, list | tuple):
                if len(value) != rank:
                    raise ValueError
                return tuple(item(v) for v in value)
            return (item(value),) * rank
        except ValueError:
            raise ValueError(f"expected a {what} {noun}") from None

    coerce.__name__ = f"axes_{rank}"
    return coerce


def pads_of(rank: int) -> Callable[[Any], tuple[Pair, ...]]:
    """ZeroPadding1D/3D's ``padding``: an int for every side, a ``rank``-list of ints (each axis
    both sides), or a ``rank``-list of (before, after) pairs; ZeroPadding1D also takes one pair
    (before, after).

    >>> pads_of(1)(2), pads_of(1)((1, 3)), pads_of(3)(1) == ((1, 1),) * 3, pads_of(3)(((0, 1), (2, 3), (1, 1)))
    (((2, 2),), ((1, 3),), True, ((0, 1), (2, 3), (1, 1)))
    """
    def coerce(value: Any) -> tuple[Pair, ...]:
        try:
            if rank == 1:
                return (nonneg_pair(value),)
            if isinstance(value, list | tuple) and len(value) == rank:
                return tuple(nonneg_pair(v) for v in value)
            if isinstance(value, list | tuple):
                raise ValueError
            n = nonneg_int(value)
            return ((n, n),) * rank
        except ValueError:
            shape = "a pair (before, after)" if rank == 1 else f"a {_AXES[rank]} of integers or of (before, after) pairs"
            raise ValueError(f"expected a non-negative integer or {shape}") from None

    coerce.__name__ = f"pads_{rank}"
    return coerce


def permutation(value: Any) -> tuple[int, ...]:
    """Permute's ``dims``: the input's axes (1-based, batch axis excluded) in their new order.

    >>> permutation((2, 1)), permutation([1, 3, 2])
    ((2, 1), (1, 3, 2))
    >>> permutation((1, 1))
    Traceback (most recent call last):
    ...
    ValueError: expected a permutation of 1, 2, ... (each axis once, 1-based)
    """
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 4 or not all(is_int(v) for v in value) \
            or sorted(value) != list(range(1, len(value) + 1)):
        raise ValueError("expected a permutation of 1, 2, ... (each axis once, 1-based)")
    return tuple(value)


def padding_mode(value: Any) -> Padding:
    """A padding mode, in any letter case.

    >>> padding_mode("SAME")
    <Padding.SAME: 'same'>
    """
    if isinstance(value, str) and value.lower() in ("valid", "same"):
        return Padding(value.lower())
    raise ValueError("expected 'valid' or 'same'")


def causal_padding_mode(value: Any) -> Padding:
    """Conv1D's padding: 'valid', 'same' or 'causal', in any letter case.

    >>> causal_padding_mode("causal")
    <Padding.CAUSAL: 'causal'>
    """
    if isinstance(value, str) and value.lower() == "causal":
        return Padding.CAUSAL
    try:
        return padding_mode(value)
    except ValueError:
        raise ValueError("expected 'valid', 'same' or 'causal'") from None


def boolean(value: Any) -> bool:
    """``True`` or ``False`` only (not 0 or 1).

    >>> boolean(False)
    False
    >>> boolean(1)
    Traceback (most recent call last):
    ...
    ValueError: expected true or false
    """
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def dropout_rate(value: Any) -> float:
    """Dropout's ``rate``: a number in [0, 1).

    >>> dropout_rate(0)
    0.0
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError("expected a number in [0, 1)")
    return float(value)


def channel_axis(value: Any) -> int:
    """BatchNormalization's ``axis``: -1, or the last axis counted with the batch axis.

    >>> channel_axis(-1)
    -1
    """
    if not is_int(value) or value not in (-1, 1, 2, 3):
        raise ValueError("expected -1 or the index of the last axis (3 for an H, W, C input)")
    return value


def activation_name(value: Any) -> str | None:
    """A Keras activation name (one of :data:`ACTIVATIONS`) or ``None``.

    >>> activation_name("relu")
    'relu'
    >>> activation_name("ReLU")
    Traceback (most recent call last):
    ...
    ValueError: expected a Keras activation name such as 'relu', 'softmax' or 'tanh' (or None)
    """
    if value is None:
        return None
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise ValueError("expected a Keras activation name such as 'relu', 'softmax' or 'tanh' (or None)")
    return value


def layer_name(value: Any) -> str | None:
    """A layer's ``name`` by Keras' rule, or ``None`` (Keras names it).

    >>> layer_name("conv_1")
    'conv_1'
    >>> layer_name("a/b")
    Traceback (most recent call last):
    ...
    ValueError: expected a non-empty one-line name of at most 100 characters without '/' (Keras' rule)
    """
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or "/" in value or len(value) > 100 or not value.isprintable():
        raise ValueError("expected a non-empty one-line name of at most 100 characters without '/' (Keras' rule)")
    return value


def nonneg_number(value: Any) -> float:
    """A non-negative finite number (ReLU's ``negative_slope`` and ``threshold``).

    >>> nonneg_number(6)
    6.0
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e300:
        raise ValueError("expected a non-negative number")
    return float(value)


def any_axis(value: Any) -> int:
    """An axis index counted with the batch axis, as Keras takes it (``-1``: the last); whether
    it exists is checked against the input's rank.

    >>> any_axis(-1)
    -1
    """
    if not is_int(value) or not -8 <= value <= 8:
        raise ValueError("expected an axis index from -8 to 8 (-1: the last axis)")
    return value
