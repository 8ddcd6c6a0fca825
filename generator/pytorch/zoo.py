"""Built-in PyTorch models (``zoo:pytorch_cifar_tutorial_net``), channels first, each with its
published parameter count; the tests check each against the same model read from its PyTorch
source (``tests/data/pytorch/``) and, with torch installed, against torch.

>>> from generator.engine import analyze
>>> analyze(TORCH_ZOO["pytorch_cifar_tutorial_net"].spec).total_params
62006
"""

from __future__ import annotations

from generator.engine.model import ModelSpec
from generator.pytorch import (
    AdaptiveAvgPool2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
)
from generator.zoo import ZooModel


def _cifar_net() -> ModelSpec:
    """The "Training a classifier" tutorial's Net: F.relu and torch.flatten in forward."""
    pool = MaxPool2d(2, 2, name="pool")
    layers: tuple[Module, ...] = (
        Conv2d(3, 6, 5, name="conv1"), ReLU(functional=True, name="F.relu"), pool,
        Conv2d(6, 16, 5, name="conv2"), ReLU(functional=True, name="F.relu"), pool,
        Flatten(1, functional=True, name="torch.flatten"),
        Linear(16 * 5 * 5, 120, name="fc1"), ReLU(functional=True, name="F.relu"),
        Linear(120, 84, name="fc2"), ReLU(functional=True, name="F.relu"),
        Linear(84, 10, name="fc3"),
    )
    return ModelSpec((3, 32, 32), layers, "Net", framework="pytorch")


def _vgg16() -> ModelSpec:
    """torchvision's vgg16: ``features``, ``avgpool``, ``classifier``."""
    features: list[Module] = []
    channels = 3
    for width, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(convs):
            features += [Conv2d(channels, width, 3, padding=1), ReLU(inplace=True)]
            channels = width
        features.append(MaxPool2d(2, 2))
    classifier = [Linear(512 * 7 * 7, 4096), ReLU(True), Dropout(), Linear(4096, 4096), ReLU(True), Dropout(),
                  Linear(4096, 1000)]
    layers = ([_named(m, f"features.{i}") for i, m in enumerate(features)]
              + [AdaptiveAvgPool2d((7, 7), name="avgpool"), Flatten(1, functional=True, name="torch.flatten")]
              + [_named(m, f"classifier.{i}") for i, m in enumerate(classifier)])
    return ModelSpec((3, 224, 224), tuple(layers), "VGG", framework="pytorch")


def _named(module: Module, name: str) -> Module:
    from dataclasses import replace

    return replace(module, name=name)


TORCH_ZOO: dict[str, ZooModel] = {
    "pytorch_cifar_tutorial_net": ZooModel(
        _cifar_net(), "the PyTorch CIFAR-10 tutorial's Net", "the CNN of PyTorch's “Training a classifier” tutorial",
        "pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html (62,006 parameters)"),
    "pytorch_vgg16": ZooModel(
        _vgg16(), "VGG-16 (torchvision)", "torchvision.models.vgg16, configuration D",
        "Simonyan & Zisserman 2014; torchvision reports 138,357,544 parameters"),
}
"""Every built-in PyTorch model by name."""
