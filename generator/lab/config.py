"""What a lab run does: the preset, its training recipe, and the user's options, validated.

Both presets train the seed's model on the seed's data (pixels / 255, one-hot labels). The
``reference`` preset is the seed's recipe verbatim; ``fast`` changes only how the model is
trained, to reach the same >= 0.99 test accuracy in far less time on a small CPU.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path

from generator.errors import UserError


class Preset(StrEnum):
    """The training recipes."""

    REFERENCE = "reference"
    FAST = "fast"


class Optimizer(StrEnum):
    """Optimizers a recipe may name."""

    RMSPROP = "rmsprop"
    ADAM = "adam"


@dataclass(frozen=True)
class Recipe:
    """How the model is trained; everything here goes into ``results.json``.

    Attributes:
        optimizer: ``rmsprop`` (Keras' defaults, as the seed) or ``adam``.
        learning_rate: The constant rate, or the peak of the one-cycle schedule.
        one_cycle: Linear warm-up to ``learning_rate`` over ``warmup_fraction`` of the steps,
            then cosine decay to zero; False keeps the rate constant.
        warmup_fraction: Share of all training steps spent warming up.
        epochs: Passes over the training images.
        batch_size: Images per gradient step.
        tf_data: Feed a shuffled, prefetched ``tf.data`` pipeline instead of NumPy arrays.
        jit_compile: Compile the train step with XLA.
    """

    optimizer: Optimizer
    learning_rate: float
    one_cycle: bool
    warmup_fraction: float
    epochs: int
    batch_size: int
    tf_data: bool
    jit_compile: bool

    def steps(self, train_images: int) -> int:
        """Gradient steps in the whole run (the last batch of an epoch may be short).

        >>> RECIPES[Preset.REFERENCE].steps(60000)
        4690
        """
        return self.epochs * -(-train_images // self.batch_size)

    def schedule_arguments(self, train_images: int) -> dict[str, float | int] | None:
        """``keras.optimizers.schedules.CosineDecay`` arguments of the one-cycle schedule.

        Warm up linearly from a tenth of the peak rate, then decay along a cosine to zero.
        None for a constant learning rate.
        """
        if not self.one_cycle:
            return None
        steps = self.steps(train_images)
        warmup = int(steps * self.warmup_fraction)
        return {
            "initial_learning_rate": round(self.learning_rate / 10, 12),
            "decay_steps": max(steps - warmup, 1),
            "warmup_target": self.learning_rate,
            "warmup_steps": warmup,
        }

    def to_json(self) -> dict[str, object]:
        """Plain data for ``results.json``."""
        data = asdict(self)
        data["optimizer"] = self.optimizer.value
        return data


RECIPES: dict[Preset, Recipe] = {
    # The seed: compile(optimizer="rmsprop") (learning rate 0.001), fit(epochs=5, batch_size=64).
    Preset.REFERENCE: Recipe(
        optimizer=Optimizer.RMSPROP, learning_rate=0.001, one_cycle=False, warmup_fraction=0.0,
        epochs=5, batch_size=64, tf_data=False, jit_compile=False,
    ),
    # Measured on 2 CPU cores (Keras 3.15, TF 2.21): 2 epochs reach 0.9907-0.9913 test accuracy
    # (seeds 0-2), 1 epoch about 0.985. Batch 256 was at most ~10 % faster per epoch (within
    # the noise) and less accurate per epoch; XLA (jit_compile) made epochs ~4x slower on CPU.
    Preset.FAST: Recipe(
        optimizer=Optimizer.ADAM, learning_rate=0.003, one_cycle=True, warmup_fraction=0.25,
        epochs=2, batch_size=128, tf_data=True, jit_compile=False,
    ),
}

DEFAULT_OUT = {Preset.REFERENCE: Path("build/lab"), Preset.FAST: Path("build/lab-fast")}

_MAX_SEED = 2**32 - 1  # NumPy's seed range; keras.utils.set_random_seed seeds NumPy too.


@dataclass(frozen=True)
class LabConfig:
    """One lab run, validated when built.

    Attributes:
        preset: Which recipe.
        recipe: The recipe, with the user's ``--epochs`` / ``--batch-size`` applied.
        subset: Train on the first ``subset`` training images (and test on at most as many);
            None uses all of them.
        seed: Seed for Python, NumPy and TensorFlow (``keras.utils.set_random_seed``).
        data: An ``mnist.npz`` in Keras' layout; None picks the default (see
            :func:`generator.lab.data.load_mnist`).
        out: The output folder, replaced as a whole when the run succeeds.
    """

    preset: Preset
    recipe: Recipe
    subset: int | None
    seed: int
    data: Path | None
    out: Path

    @classmethod
    def build(
        cls,
        *,
        fast: bool = False,
        epochs: int | None = None,
        batch_size: int | None = None,
        subset: int | None = None,
        seed: int = 0,
        data: Path | None = None,
        out: Path | None = None,
    ) -> LabConfig:
        """The preset's recipe with the given overrides.

        Raises:
            UserError: A value out of range, named with the value received.
        """
        preset = Preset.FAST if fast else Preset.REFERENCE
        recipe = RECIPES[preset]
        if epochs is not None:
            _at_least(1, epochs=epochs)
            recipe = replace(recipe, epochs=epochs)
        if batch_size is not None:
            _at_least(1, batch_size=batch_size)
            recipe = replace(recipe, batch_size=batch_size)
        if subset is not None:
            _at_least(1, subset=subset)
        if not 0 <= seed <= _MAX_SEED:
            raise UserError(f"--seed must be between 0 and {_MAX_SEED}. Received: seed={seed}")
        return cls(preset, recipe, subset, seed, data, out or DEFAULT_OUT[preset])


def _at_least(low: int, **option: int) -> None:
    ((name, value),) = option.items()
    if value < low:
        flag = "--" + name.replace("_", "-")
        raise UserError(f"{flag} must be at least {low}. Received: {name}={value}")
