"""Train and evaluate the seed's model with a :class:`~generator.lab.config.Recipe`.

Imports Keras and TensorFlow, inside the functions only.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from generator.lab.config import Optimizer, Recipe
from generator.lab.data import NUM_CLASSES, Mnist
from generator.lab.model import INPUT_SHAPE, build_model


@dataclass(frozen=True, eq=False)
class Trained:
    """A trained model and what it scored.

    Attributes:
        model: The Keras model.
        history: Per epoch: ``epoch`` (from 1), training ``loss`` and ``accuracy``, ``seconds``.
        probabilities: Softmax outputs on the test images, shape (M, 10).
        test_loss: Categorical cross-entropy on the test images.
        test_accuracy: Share of test images classified correctly.
        setup_seconds: Wall time before ``fit``: importing Keras, preparing data and model.
        train_seconds: Wall time of ``fit``.
        evaluate_seconds: Wall time of predicting the test images.
    """

    model: Any
    history: list[dict[str, float]]
    probabilities: np.ndarray
    test_loss: float
    test_accuracy: float
    setup_seconds: float
    train_seconds: float
    evaluate_seconds: float

    @property
    def predictions(self) -> np.ndarray:
        """Predicted digit per test image."""
        return self.probabilities.argmax(axis=1)


def scale_images(images: np.ndarray) -> np.ndarray:
    """The seed's preprocessing: (N, 28, 28) uint8 -> (N, 28, 28, 1) float32 in [0, 1].

    >>> scale_images(np.full((1, 28, 28), 255, np.uint8)).reshape(-1)[:2]
    array([1., 1.], dtype=float32)
    """
    return images.reshape((len(images), *INPUT_SHAPE)).astype("float32") / 255


def train(recipe: Recipe, mnist: Mnist, seed: int, log: TextIO | None = None) -> Trained:
    """Seed everything, train the seed's model, and score it on the test images.

    Args:
        recipe: Optimizer, schedule, epochs, batch size, input pipeline.
        mnist: The data (already cut to a subset, if any).
        seed: For ``keras.utils.set_random_seed`` (Python, NumPy, TensorFlow).
        log: Where progress goes. A terminal gets Keras' progress bar; anything else one
            line per epoch. Defaults to ``sys.stdout``.
    """
    entered = time.perf_counter()
    from generator.verify import keras_module

    keras = keras_module()

    log = log or sys.stdout
    keras.utils.set_random_seed(seed)
    x_train = scale_images(mnist.x_train)
    y_train = keras.utils.to_categorical(mnist.y_train, NUM_CLASSES)
    model = build_model()
    model.compile(optimizer=_optimizer(recipe, len(x_train)), loss="categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=recipe.jit_compile)
    if recipe.tf_data:
        # The pipeline shuffles itself; Keras' own shuffling only applies to arrays.
        fit_data: dict[str, Any] = {"x": _pipeline(x_train, y_train, recipe.batch_size, seed),
                                    "shuffle": False}
    else:
        fit_data = {"x": x_train, "y": y_train, "batch_size": recipe.batch_size}
    terminal = log.isatty()
    epochs = EpochLog(recipe.epochs, None if terminal else log)
    callback = keras.callbacks.LambdaCallback(on_epoch_begin=epochs.begin,
                                              on_epoch_end=epochs.end)

    start = time.perf_counter()
    model.fit(**fit_data, epochs=recipe.epochs, verbose=1 if terminal else 0,
              callbacks=[callback])
    trained_at = time.perf_counter()
    probabilities = model.predict(scale_images(mnist.x_test), batch_size=1000, verbose=0)
    y_test = keras.utils.to_categorical(mnist.y_test, NUM_CLASSES)
    loss = keras.losses.categorical_crossentropy(y_test, probabilities)
    test_loss = float(keras.ops.convert_to_numpy(keras.ops.mean(loss)))
    test_accuracy = float(np.mean(probabilities.argmax(axis=1) == mnist.y_test))
    done = time.perf_counter()
    print(f"test: loss {test_loss:.4f}, accuracy {test_accuracy:.4f} "
          f"({len(mnist.x_test)} images)", file=log, flush=True)
    return Trained(model, epochs.history, probabilities, test_loss, test_accuracy,
                   start - entered, trained_at - start, done - trained_at)


def _optimizer(recipe: Recipe, train_images: int) -> Any:
    """The seed's RMSprop (Keras' defaults), or Adam with a one-cycle schedule."""
    from generator.verify import keras_module

    keras = keras_module()

    schedule = recipe.schedule_arguments(train_images)
    rate: Any = recipe.learning_rate
    if schedule is not None:
        rate = keras.optimizers.schedules.CosineDecay(**schedule)
    if recipe.optimizer is Optimizer.RMSPROP:
        return keras.optimizers.RMSprop(learning_rate=rate)
    return keras.optimizers.Adam(learning_rate=rate)


def _pipeline(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> Any:
    """A shuffled (every epoch, seeded), batched, prefetched ``tf.data`` pipeline.

    Measured on 2 cores: with tf.data's autotuning on (``prefetch(AUTOTUNE)``, which Keras' own
    NumPy-array path uses too) the second epoch, or the return from ``fit``, often stalled
    15-20 s with the cores idle; a fixed prefetch buffer and autotuning off never did. No
    ``.cache()``: the arrays are in memory already, and caching them did not speed anything up.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .prefetch(2)
        .with_options(options)
    )


class EpochLog:
    """Times each epoch, keeps its metrics, and prints one line per epoch to ``log`` if given.

    Hooked into Keras through ``keras.callbacks.LambdaCallback``.
    """

    def __init__(self, epochs: int, log: TextIO | None) -> None:
        self.history: list[dict[str, float]] = []
        self._epochs = epochs
        self._log = log
        self._start = 0.0

    def begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        """Start timing epoch ``epoch`` (from 0)."""
        self._start = time.perf_counter()

    def end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        """Keep epoch ``epoch``'s loss, accuracy and seconds; print them if logging."""
        logs = logs or {}
        row = {"epoch": epoch + 1, "loss": float(logs["loss"]),
               "accuracy": float(logs["accuracy"]),
               "seconds": round(time.perf_counter() - self._start, 2)}
        self.history.append(row)
        if self._log is not None:
            print(f"epoch {row['epoch']}/{self._epochs}: loss {row['loss']:.4f}, "
                  f"accuracy {row['accuracy']:.4f}, {row['seconds']:.1f} s",
                  file=self._log, flush=True)
