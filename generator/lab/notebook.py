"""The students' notebook ``lab.ipynb``: the seed's MNIST lab, step by step, without outputs.

Built with ``nbformat`` (imported inside :func:`build_notebook`) from the same model table and
recipe the lab trained with, so the notebook's code is the code that produced
``results.json``. Cell ids are fixed, so the same run gives the same file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from generator.lab.config import LabConfig, Preset
from generator.lab.data import KERAS_LOADER, keras_cache_npz
from generator.lab.model import SPEC, layer_source, model_source, output_shapes, param_lines

_INTRO = """\
# MNIST with a small convolutional neural network

In this notebook we build a convolutional neural network with [Keras](https://keras.io) and
train it to recognise handwritten digits (MNIST). Along the way we check, by hand,

- the **sizes of inputs and outputs** of every layer, and
- the **number of parameters** every layer learns.

Reference: pages 120-129 of *Deep Learning with Python* by François Chollet.

Key ideas:

- Convolution layers learn **local** patterns (small windows of the image), dense layers
  learn **global** ones. Patterns a convolution learns are translation invariant.
- Convolution windows are typically 3 x 3 or 5 x 5, with stride 1.
- **Max pooling** with 2 x 2 windows and stride 2 halves the height and width of a feature
  map, so later layers have fewer coefficients to process and see a larger part of the image.
"""

_DATA = """\
## The data

MNIST holds 70,000 grey-scale images of handwritten digits, 28 x 28 pixels each, with values
0 (white) to 255 (black): 60,000 for training and 10,000 for testing. Each image comes with its
label, the digit 0-9.

The next cell reads the copy the lab used (`make mnist` writes it to `build/data/mnist.npz`).
If that file is not there, Keras downloads MNIST itself.
"""

_PREPROCESS = """\
### Reshaping and normalisation

A `Conv2D` layer expects images with a **channel** axis: height x width x channels. Grey-scale
images have one channel, so each image becomes 28 x 28 x 1. We also scale the pixel values from
0-255 to 0-1 (dividing by 255), which keeps the inputs in the range the network trains well on.
"""

_ONE_HOT = """\
### One-hot encoding

The network ends in 10 outputs, one probability per digit. To compare them with the label we
write each label as a vector of 10 numbers: 1 at the digit's position, 0 elsewhere. The digit 3
becomes `[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]`. This is what the loss `categorical_crossentropy`
expects.
"""

_MODEL = """\
## The model

- `layers.Input(shape=(28, 28, 1))`: the input, 28 x 28 pixels with 1 channel. (Older Keras
  code passes `input_shape=(28, 28, 1)` to the first layer instead.)
- `layers.Conv2D(32, (3, 3), activation="relu")`: 32 filters (the depth of the output feature
  map), each 3 x 3 pixels, stride 1, no padding ("valid").
- `layers.MaxPooling2D((2, 2))`: the largest value of each 2 x 2 window, stride 2.
- `layers.Flatten()`: the last feature map becomes one long vector for the dense layers.
- `layers.Dense(10, activation="softmax")`: ten outputs that add up to 1, one per digit.

`model.summary()` shows each layer's output shape and its number of parameters (Param #).
"""

_PARAMS = """\
### Output shapes and parameters, by hand

Output shapes: a 3 x 3 convolution without padding shrinks height and width by 2; a 2 x 2 max
pooling halves them (rounding down); `Flatten` multiplies the dimensions out.

{shapes}

Parameters: a convolution learns (filter height) x (filter width) x (input channels) weights
for each of its filters, plus one bias per filter. A dense layer learns one weight per
input-output pair plus one bias per output. Max pooling and `Flatten` learn nothing. The next
cell works each count out; compare it with the summary above.
"""

_TRAIN_REFERENCE = """\
## Training

We compile the model with

- the optimizer `rmsprop`,
- the loss `categorical_crossentropy` (labels are one-hot vectors), and
- the metric `accuracy`,

and train it for {epochs} epochs (passes over all training images), {batch_size} images per
gradient step. Each epoch prints the training loss and accuracy.
"""

_TRAIN_FAST = """\
## Training

Same model and data, a faster training recipe (the lab's `--fast` preset):

- the optimizer **Adam** with a **one-cycle** learning rate: it rises linearly from
  {start:g} to {peak:g} over the first {warmup} steps, then falls along a cosine to 0;
- the loss `categorical_crossentropy` (labels are one-hot vectors) and the metric `accuracy`;
- {epochs} epochs of {batch_size} images per gradient step.

A high learning rate in the middle of training makes fast progress; the decay at the end
settles the weights, which is what a short run needs.
"""

_EVALUATE = """\
## Evaluation

How well does the model do on images it has never seen? The seed reached a test accuracy of
about 0.99 (loss about 0.033). `results.json`, beside this notebook, holds what the lab run
measured.
"""

_PLOTS = """\
## Looking at the results

The training curves per epoch, and some test digits the model got wrong, with their true and
predicted labels.
"""

_CODE_SETUP = """\
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers, models
from keras.utils import to_categorical

keras.utils.set_random_seed({seed})  # the lab run's seed, for repeatable results"""

_CODE_LOAD = """\
DATA = {path}  # the lab's copy of MNIST{where}

if DATA.is_file():
    with np.load(DATA) as mnist:
        train_images, train_labels = mnist["x_train"], mnist["y_train"]
        test_images, test_labels = mnist["x_test"], mnist["y_test"]
else:  # Keras downloads MNIST (and keeps it in ~/.keras/datasets)
    (train_images, train_labels), (test_images, test_labels) = keras.datasets.mnist.load_data()
{subset}
print("train_images:", train_images.shape, train_images.dtype)
print("test_images: ", test_images.shape, test_images.dtype)
print("first labels:", train_labels[:10])"""

_CODE_SUBSET = """
# The lab ran on a subset: the first {n} training images and the first {m} test images.
train_images, train_labels = train_images[:{n}], train_labels[:{n}]
test_images, test_labels = test_images[:{m}], test_labels[:{m}]
"""

_CODE_PREPROCESS = """\
train_images = train_images.reshape((len(train_images), 28, 28, 1))  # add the channel axis
train_images = train_images.astype("float32") / 255  # normalisation to [0, 1]

test_images = test_images.reshape((len(test_images), 28, 28, 1))
test_images = test_images.astype("float32") / 255

print("train_images shape:", train_images.shape)
print("test_images shape: ", test_images.shape)"""

_CODE_ONE_HOT = """\
train_labels = to_categorical(train_labels)
test_labels = to_categorical(test_labels)

print("train_labels shape:", train_labels.shape)
print("test_labels shape: ", test_labels.shape)
print("first label, one-hot:", train_labels[0])"""

_CODE_COMPILE_REFERENCE = """\
model.compile(optimizer="rmsprop",
              loss="categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(train_images, train_labels, epochs={epochs}, batch_size={batch_size})"""

_CODE_COMPILE_FAST = """\
schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate={start!r},
    decay_steps={decay_steps},
    warmup_target={peak!r},
    warmup_steps={warmup},
)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
              loss="categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(train_images, train_labels, epochs={epochs}, batch_size={batch_size})"""

_CODE_EVALUATE = """\
test_loss, test_accuracy = model.evaluate(test_images, test_labels)
print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f}")"""

_CODE_CURVES = """\
epochs = range(1, len(history.history["loss"]) + 1)
fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(9, 3.5))
ax_loss.plot(epochs, history.history["loss"], "o-")
ax_loss.set(title="Training loss", xlabel="epoch", ylabel="loss")
ax_accuracy.plot(epochs, history.history["accuracy"], "o-")
ax_accuracy.set(title="Training accuracy", xlabel="epoch", ylabel="accuracy")
plt.show()"""

_CODE_MISCLASSIFIED = """\
predicted = model.predict(test_images).argmax(axis=1)
true = test_labels.argmax(axis=1)
wrong = np.flatnonzero(predicted != true)
print(len(wrong), "of", len(true), "test images misclassified")

fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for ax in axes.flat:
    ax.axis("off")
for ax, i in zip(axes.flat, wrong):
    ax.imshow(test_images[i, :, :, 0], cmap="gray_r")
    ax.set_title(f"true {true[i]}, pred {predicted[i]}", fontsize=8)
plt.show()"""


def build_notebook(config: LabConfig, data_source: str, train_images: int,
                   test_images: int) -> Any:
    """The notebook for one lab run, validated.

    Args:
        config: The run: preset, recipe, subset, seed, output folder.
        data_source: The file the lab read, or ``keras.datasets.mnist.load_data()``.
        train_images: Training images the lab used.
        test_images: Test images the lab used.

    Returns:
        An ``nbformat`` v4 notebook node; write it with ``nbformat.write``.
    """
    import nbformat
    from nbformat import v4

    md, code = v4.new_markdown_cell, v4.new_code_cell
    cells = [
        md(_INTRO),
        code(_CODE_SETUP.format(seed=config.seed)),
        md(_DATA),
        code(_load_code(config, data_source, train_images, test_images)),
        md(_PREPROCESS),
        code(_CODE_PREPROCESS),
        md(_ONE_HOT),
        code(_CODE_ONE_HOT),
        md(_MODEL),
        code(model_source() + "\n\nmodel.summary()"),
        md(_PARAMS.format(shapes=_shape_list())),
        code(_param_code()),
        *_training_cells(config, train_images),
        md(_EVALUATE),
        code(_CODE_EVALUATE),
        md(_PLOTS),
        code(_CODE_CURVES),
        code(_CODE_MISCLASSIFIED),
    ]
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"cell-{number:02d}"
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return notebook


def _load_code(config: LabConfig, data_source: str, train_images: int,
               test_images: int) -> str:
    file = keras_cache_npz() if data_source == KERAS_LOADER else Path(data_source)
    path, where = notebook_path(file, config.out)
    subset = ""
    if config.subset is not None:
        subset = _CODE_SUBSET.format(n=train_images, m=test_images)
    return _CODE_LOAD.format(path=path, where=where, subset=subset)


def notebook_path(file: Path, notebook_dir: Path) -> tuple[str, str]:
    """A Python expression for ``file`` as seen from a notebook in ``notebook_dir``.

    Relative to the notebook when both lie under the current folder (the project), so the
    build folder can move; ``~``-relative under the home folder; absolute otherwise.

    Returns:
        The expression and a comment saying what it is relative to.
    """
    file, notebook_dir = Path(file).resolve(), Path(notebook_dir).resolve()
    project, home = Path.cwd().resolve(), Path.home().resolve()
    if file.is_relative_to(project) and notebook_dir.is_relative_to(project):
        relative = Path(os.path.relpath(file, notebook_dir)).as_posix()
        return f'Path("{relative}")', ", relative to this notebook's folder"
    if file.is_relative_to(home):
        return f'Path("~/{file.relative_to(home).as_posix()}").expanduser()', ""
    return f'Path("{file.as_posix()}")', ""


def _shape_list() -> str:
    rows, shape = [], SPEC.input_shape
    for layer, out in zip(SPEC.layers, output_shapes(), strict=True):
        rows.append(f"- `{layer_source(layer)}`: {_dims(shape)} -> {_dims(out)}")
        shape = out
    return "\n".join(rows)


def _dims(shape: tuple[int, ...]) -> str:
    return " x ".join(str(d) for d in shape)


def _param_code() -> str:
    lines = param_lines()
    code = ['print("Number of parameters")']
    code += [f'print("{p.label}:", {p.expression})  # {p.comment}' for p in lines]
    total = " + ".join(p.expression for p in lines)
    code += ["", f"total = {total}",
             'print("total:", total, "- Keras counts", model.count_params())']
    return "\n".join(code)


def _training_cells(config: LabConfig, train_images: int) -> list[Any]:
    from nbformat import v4

    recipe = config.recipe
    values: dict[str, object] = {"epochs": recipe.epochs, "batch_size": recipe.batch_size}
    if config.preset is Preset.REFERENCE:
        text, source = _TRAIN_REFERENCE, _CODE_COMPILE_REFERENCE
    else:
        schedule = recipe.schedule_arguments(train_images) or {}
        values |= {"start": schedule["initial_learning_rate"], "peak": schedule["warmup_target"],
                   "warmup": schedule["warmup_steps"], "decay_steps": schedule["decay_steps"]}
        text, source = _TRAIN_FAST, _CODE_COMPILE_FAST
    return [v4.new_markdown_cell(text.format(**values)), v4.new_code_cell(source.format(**values))]

