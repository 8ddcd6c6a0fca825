"""The engine and Keras side by side on the same random models (``python -m generator bench``).

Both sides do the same job: from a spec to every layer's output shape and parameter counts.
Speed is measured here, never in unit tests. :func:`run_bench` returns the figures;
:mod:`generator.cli.bench` prints them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from generator.engine import analyze
from generator.errors import UserError
from generator.sampler import Difficulty, sample_models


def _rate(count: int, func: Callable[[], Any], min_seconds: float) -> float:
    """Items per second of ``func`` (which processes ``count`` items), repeated for
    ``min_seconds`` at least."""
    runs, start = 0, time.perf_counter()
    while True:
        func()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return count * runs / elapsed


def _interleaved(sides: dict[str, tuple[int, Callable[[], Any], float]], rounds: int) -> dict[str, float]:
    """Median rate of each side over ``rounds`` rounds that alternate between the sides, so a
    noisy machine slows every side alike; the first call of each side is a warm-up."""
    for _, func, _ in sides.values():
        func()
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, (count, func, seconds) in sides.items():
            rates[name].append(_rate(count, func, seconds))
    return {name: statistics.median(values) for name, values in rates.items()}


def spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts that differ by at most one, larger ones first.

    >>> spread(5, 3), spread(1, 3)
    ([2, 2, 1], [1, 0, 0])
    """
    return [total // parts + (i < total % parts) for i in range(parts)]


def run_bench(models: int = 200, keras_models: int = 20, seed: int = 0, rounds: int = 5,
              roster: int = 300, check_students: int = 2000, keras: bool = True) -> dict[str, Any]:
    """Runs the benchmark and returns its figures.

    Args:
        models: Random architectures, spread over the three levels (exactly this many).
        keras_models: How many of them Keras builds (at most ``models``).
        seed: Seed of the random architectures.
        rounds: Alternating engine/Keras rounds; medians are reported.
        roster: Students in the exam-build figure (0 skips it).
        check_students: Students in the ``check`` figure, 28 answers each (0 skips it).
        keras: Also time Keras (imports TensorFlow).

    Returns:
        Plain JSON-serializable figures, in the order a table shows them: ``models``; with
        ``keras``, ``keras_models`` and the TensorFlow and Keras versions; ``rounds``; the median
        rates (``*_per_s``); with ``keras``, ``speedup_vs_keras``; unless ``roster`` is 0,
        ``exam_students``, ``exam_build_s_no_verify`` and the difficulty spread of the class's
        exams (``exam_difficulty_spread``: max/min of the totals; ``exam_slot_spread_max``: the
        widest slot); unless ``check_students`` is 0,
        ``check_students``, ``check_answers`` and ``check_s``, and with the ``analysis``
        extra, ``analyze_s`` (the same class through ``analyze``).

    Raises:
        UserError: a count out of range.
    """
    if models < 1 or rounds < 1 or keras_models < 1 or roster < 0 or check_students < 0:
        raise UserError(f"bench: counts must be positive. Received: models={models}, keras_models={keras_models}, rounds={rounds}")
    if keras and keras_models > models:
        raise UserError(f"bench: --keras-models ({keras_models}) cannot exceed --models ({models})")
    levels = list(Difficulty)
    specs = [m for i, (lvl, n) in enumerate(zip(levels, spread(models, len(levels)), strict=True))
             for m in sample_models(seed + i, n, lvl)]
    results: dict[str, Any] = {"models": len(specs)}

    sides: dict[str, tuple[int, Callable[[], Any], float]] = {
        "engine_models_per_s": (len(specs), lambda: [analyze(s) for s in specs], 0.3),
        "engine_explain_models_per_s": (len(specs), lambda: [analyze(s, explain=True) for s in specs], 0.3),
    }
    if keras:
        from generator.verify import keras_layers, keras_module, versions

        module = keras_module()
        step = len(specs) / keras_models
        subset = [specs[int(i * step)] for i in range(keras_models)]

        def build_all() -> None:
            for s in subset:
                keras_layers(s)
            module.backend.clear_session()

        sides["keras_models_per_s"] = (len(subset), build_all, 1.0)
        results["keras_models"] = len(subset)
        results.update(versions())
    results["rounds"] = rounds
    results.update(_interleaved(sides, rounds))
    if keras:
        results["speedup_vs_keras"] = results["engine_models_per_s"] / results["keras_models_per_s"]
    if roster:
        from generator.bench_exam import exam_build_seconds

        results["exam_students"] = roster
        results["exam_build_s_no_verify"] = exam_build_seconds(roster, seed)
        from generator.bench_exam import difficulty_spread

        results["exam_difficulty_spread"], results["exam_slot_spread_max"] = difficulty_spread(roster, seed)
    if check_students:
        from generator.bench_exam import check_seconds

        answers, seconds = check_seconds(check_students, seed)
        results["check_students"] = check_students
        results["check_answers"] = answers
        results["check_s"] = seconds
        if _has_analysis():
            results["analyze_s"] = check_seconds(check_students, seed, analyze=True)[1]
    return results


def _has_analysis() -> bool:
    """Whether the ``analysis`` extra is installed (``analyze_s`` is left out otherwise)."""
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("numpy", "scipy", "matplotlib"))
