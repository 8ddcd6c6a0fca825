"""The ratio questions' counts == Keras: each problem's model, and each blank's own model (the
comparison layer: the plain 3x3, the standard Conv2D, the single large kernel, the Flatten head,
a small enough Dense layer), built in Keras by ``verify_problem``."""

from __future__ import annotations

import random

import pytest

from generator.problems.ratios import RATIOS
from generator.sampler import Difficulty

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("variant", list(RATIOS))
def test_ratio_problems_agree_with_keras(variant):
    from generator.verify import verify_problems

    levels = list(Difficulty)
    problems = [RATIOS[variant](random.Random(seed), levels[seed % 3], f"p{seed}") for seed in range(12)]
    checked = sum(b.layer is not None or b.field == "total_params" for p in problems for b in p.blanks)
    assert checked and verify_problems(problems) == []
