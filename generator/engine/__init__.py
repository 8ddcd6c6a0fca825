"""The symbolic shape and parameter engine: pure Python, no TensorFlow.

>>> from generator.engine import ModelSpec, analyze
>>> from generator.engine.layers import Conv2D, MaxPooling2D
>>> s = analyze(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)), MaxPooling2D((2, 2)))))
>>> [r.output_shape for r in s.records]
[(26, 26, 32), (13, 13, 32)]
"""

from generator.engine.layers import LAYER_TYPES, Layer, Padding
from generator.engine.model import LayerRecord, ModelSpec, Summary, analyze
from generator.engine.steps import Quantity, Shape, Step

__all__ = [
    "LAYER_TYPES",
    "Layer",
    "LayerRecord",
    "ModelSpec",
    "Padding",
    "Quantity",
    "Shape",
    "Step",
    "Summary",
    "analyze",
]
