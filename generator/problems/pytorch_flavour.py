"""Which generator makes each problem type in PyTorch's flavour (``framework: pytorch``)."""

from __future__ import annotations

from generator.key import ProblemType
from generator.problems.pytorch import torch_layer_params, torch_layer_shape, torch_summary_table
from generator.problems.pytorch_topics import torch_concept

TORCH_GENERATORS = {
    ProblemType.SUMMARY_TABLE: torch_summary_table,
    ProblemType.LAYER_SHAPE: torch_layer_shape,
    ProblemType.LAYER_PARAMS: torch_layer_params,
    ProblemType.CONCEPT: torch_concept,
}
"""The problem types a PyTorch worksheet or exam can ask (inverse problems are Keras' only)."""
