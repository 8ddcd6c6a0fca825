"""What a config pins about one problem slot: the problem type, and optionally which unknown an
inverse problem asks for (``find``), which concept (``topic``), which layer types a layer
problem may use (``layers``), the model it is about (``model``) and a re-roll number (``seed``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from generator.engine import ModelSpec
from generator.key import ProblemType

FINDS = ("kernel", "stride", "padding_mode", "zero_padding", "dilation", "filters")
"""What an inverse problem can ask for (``find:``)."""

TOPICS = (
    "pool_params", "same_vs_valid", "flatten", "macs", "receptive_field", "conv_one", "conv_map", "fits",
    "layer_cost", "pool_cost", "model_cost", "memory", "effective_kernel", "stacked_kernels", "separable_savings", "bottleneck",
    "gap_head", "parameter_sharing", "residual_block", "inception_module", "shortcut_choice",
)
"""The concept questions (``topic:``)."""

SHAPE_LAYERS = (
    "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D", "AveragePooling2D",
    "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Flatten", "Dense", "ZeroPadding2D", "Cropping2D", "UpSampling2D",
    "Conv1D", "Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D", "Cropping1D", "Cropping3D", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "ZeroPadding1D",
    "UpSampling1D", "Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D", "GlobalAveragePooling3D",
    "ZeroPadding3D", "UpSampling3D",
)
"""The layer types a ``layer_shape`` problem can ask about (``layers:``)."""

PARAM_LAYERS = ("Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "Dense", "BatchNormalization",
                "Conv1D", "Conv3D", "Conv1DTranspose", "Conv3DTranspose", "SeparableConv1D", "DepthwiseConv1D")
"""The layer types a ``layer_params`` problem can ask about: those with weights."""

LAYER_CHOICES = {ProblemType.LAYER_SHAPE: SHAPE_LAYERS, ProblemType.LAYER_PARAMS: PARAM_LAYERS}

MODEL_TYPES = (ProblemType.SUMMARY_TABLE, ProblemType.LAYER_SHAPE, ProblemType.LAYER_PARAMS, ProblemType.CONCEPT)
"""The problem types that can be about a given model."""

MODEL_TOPICS = ("pool_params", "same_vs_valid", "flatten", "macs", "receptive_field", "model_cost", "memory")
"""The concept topics that can be asked about a layer of a given model."""


@dataclass(frozen=True)
class Slot:
    """One problem slot of a worksheet or exam.

    Attributes:
        type: The problem type.
        find: For ``inverse``: the unknown (one of :data:`FINDS`), else None (drawn).
        topic: For ``concept``: the concept (one of :data:`TOPICS`), else None (drawn).
        layers: For ``layer_shape`` / ``layer_params``: the layer types it may ask about (empty:
            the level's usual mix).
        model: The model the problem is about (summary tables, layer and concept problems).
        model_ref: The model as the config names it (``zoo:vgg16``, ``nets/small.yaml``).
        model_title: How questions name the model (``VGG16``).
        points: What each problem of the slot is worth (None: one point per blank of the exam's
            reference variant); not part of the random stream.
        seed: A re-roll number: another value draws another problem for this slot only.
        framework: ``keras``, or ``pytorch`` for the question in PyTorch's flavour.
    """

    type: ProblemType
    find: str | None = None
    topic: str | None = None
    layers: tuple[str, ...] = ()
    model: ModelSpec | None = None
    model_ref: str = ""
    seed: int | None = None
    model_title: str = ""
    points: float | None = None
    framework: str = "keras"

    @property
    def pinned(self) -> bool:
        """Whether the config fixed anything beyond the type."""
        return bool(self.find or self.topic or self.layers or self.model is not None)

    def identity(self) -> str:
        """What the slot's random stream is derived from, beside the build seed and its place:
        what it pins and its re-roll number (so re-rolling one slot changes no other).

        >>> Slot(ProblemType.INVERSE, find="stride", seed=2).identity()
        'inverse|stride||||2'
        """
        parts = (self.type.value, self.find or "", self.topic or "", ",".join(self.layers),
                 self.model_ref, "" if self.seed is None else str(self.seed))
        # PyTorch's slots draw from streams of their own; Keras' keep the streams they always had
        return "|".join(parts + (("pytorch",) if self.framework == "pytorch" else ()))


def stream_keys(slots: Sequence[Slot]) -> list[tuple[str, int]]:
    """What each slot's random stream derives from beside the build seed: what it pins and which
    occurrence of such a slot it is, never its position (so adding a slot changes no other).

    >>> stream_keys([Slot(ProblemType.INVERSE), Slot(ProblemType.CONCEPT), Slot(ProblemType.INVERSE)])
    [('inverse|||||', 0), ('concept|||||', 0), ('inverse|||||', 1)]
    """
    seen: Counter[str] = Counter()
    keys = []
    for slot in slots:
        keys.append((slot.identity(), seen[slot.identity()]))
        seen[slot.identity()] += 1
    return keys
