"""``python -m generator bench``: the engine and Keras side by side on the same random models.

Both sides do the same job: from a spec to every layer's output shape and parameter counts.
Speed is measured here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from generator.engine import analyze
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


def run_bench(args: argparse.Namespace) -> int:
    """Runs the benchmark and prints a table, or one JSON object with ``--json``."""
    levels = list(Difficulty)
    per_level = max(1, args.models // len(levels))
    specs = [m for i, lvl in enumerate(levels) for m in sample_models(args.seed + i, per_level, lvl)]
    results: dict[str, Any] = {"models": len(specs)}

    sides: dict[str, tuple[int, Callable[[], Any], float]] = {
        "engine_models_per_s": (len(specs), lambda: [analyze(s) for s in specs], 0.3),
        "engine_explain_models_per_s": (len(specs), lambda: [analyze(s, explain=True) for s in specs], 0.3),
    }
    if not args.no_keras:
        from generator.verify import keras_layers, keras_module, versions

        keras = keras_module()
        subset = specs[:: max(1, len(specs) // args.keras_models)][: args.keras_models]

        def build_all() -> None:
            for s in subset:
                keras_layers(s)
            keras.backend.clear_session()

        sides["keras_models_per_s"] = (len(subset), build_all, 1.0)
        results["keras_models"] = len(subset)
        results.update(versions())
    results["rounds"] = args.rounds
    results.update(_interleaved(sides, args.rounds))
    if not args.no_keras:
        results["speedup_vs_keras"] = results["engine_models_per_s"] / results["keras_models_per_s"]
    if args.roster:
        from generator.bench_exam import exam_build_seconds

        results["exam_students"] = args.roster
        results["exam_build_s_no_verify"] = exam_build_seconds(args.roster, args.seed)
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
    else:
        for key, value in results.items():
            shown = f"{value:,.1f}" if isinstance(value, float) else value
            print(f"{key:>30}: {shown}")
    sys.stdout.flush()
    return 0
