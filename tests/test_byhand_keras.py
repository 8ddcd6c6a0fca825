"""By-hand answers == Keras: each problem's image, kernel and bias are read back from the
question's facts, put into a real ``Conv2D`` (and ``MaxPooling2D``), and every box of the key
must equal what Keras computes. Small integers are exact in float32."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from generator.key import Problem
from generator.problems.byhand import BYHAND, ConvTask
from generator.sampler import Difficulty

pytestmark = pytest.mark.keras

PROBLEMS = 120


@pytest.fixture(scope="module")
def keras() -> Any:
    from generator.verify import keras_module

    return keras_module()


def drawn(variant: str) -> list[Problem]:
    levels = list(Difficulty)
    return [BYHAND[variant](random.Random(seed), levels[seed % len(levels)], f"p{seed}") for seed in range(PROBLEMS)]


def facts(problem: Problem) -> dict[str, Any]:
    assert problem.wording is not None
    return dict(problem.wording.facts)


def keras_outputs(keras: Any, task: ConvTask, pooling: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The Conv2D feature map (rows x columns) and its 2x2 max pooling, from Keras."""
    x = np.array(task.image, dtype="float32").transpose(1, 2, 0)[None]  # channels first -> NHWC
    kernel = np.array(task.kernel, dtype="float32").transpose(1, 2, 0)[..., None]  # -> (3, 3, C, 1)
    conv = keras.layers.Conv2D(1, 3, strides=task.stride, padding=task.padding.value)
    conv.build(x.shape)
    conv.set_weights([kernel, np.array([task.bias], dtype="float32")])
    y = conv(x)
    pooled = keras.layers.MaxPooling2D((2, 2))(y) if pooling else None
    return (np.asarray(y)[0, :, :, 0],
            None if pooled is None else np.asarray(pooled)[0, :, :, 0])


def test_conv_one_answers_equal_keras(keras):
    asymmetric = 0
    for problem in drawn("conv_one"):
        f = facts(problem)
        task = ConvTask.from_facts(f)
        asymmetric += task.pad[0] != task.pad[1]
        y, _ = keras_outputs(keras, task, pooling=False)
        assert y.shape == problem.summary.records[0].output_shape[:2]
        want = y[f["row"] - 1, f["col"] - 1]
        assert want == int(want) and problem.answers["y"] == str(int(want)), (problem.id, f)
    assert asymmetric >= 5  # 'same' with stride 2 on an even side: Keras pads only at the bottom/right


def test_conv_map_answers_equal_keras(keras):
    pooled_seen = 0
    for problem in drawn("conv_map"):
        f = facts(problem)
        y, pooled = keras_outputs(keras, ConvTask.from_facts(f), pooling=bool(f["pooling"]))
        answers = problem.answers
        assert [[answers[c] for c in row] for row in problem.grid] == [[str(int(v)) for v in row] for row in y]
        want = {} if pooled is None else {
            f"pool_r{i + 1}c{j + 1}": str(int(v)) for (i, j), v in np.ndenumerate(pooled)}
        assert {k: v for k, v in answers.items() if k.startswith("pool_")} == want, problem.id
        pooled_seen += bool(want)
        # The problem's own model is the same layers: the engine's shapes agree with Keras' output.
        assert problem.summary.records[-1].output_shape[:2] == (y.shape if pooled is None else pooled.shape)
    assert pooled_seen >= PROBLEMS // 3


def test_fits_answers_equal_keras(keras):
    from generator.verify import keras_layers

    for problem in drawn("fits"):
        got = keras_layers(problem.model)[-1].output_shape
        f = facts(problem)
        assert problem.answers["output"] == str(got[0]) == str(got[1]), problem.id
        # The rows after Keras' last window: the padded side less where that window ends.
        left = f["side"] + 2 * f["pad"] - ((got[0] - 1) * f["stride"] + f["kernel"])
        assert problem.answers["leftover"] == str(left), problem.id
        assert problem.answers["fits"] == ("yes" if left == 0 else "no"), problem.id
