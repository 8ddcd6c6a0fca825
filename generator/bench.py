"""``python -m generator bench``: the engine and Keras side by side on the same random models.

Both sides do the same job: from a spec to every layer's output shape and parameter counts.
Speed is measured here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from generator.engine import analyze
from generator.sampler import Difficulty, sample_models


def _rate(count: int, func: Callable[[], Any], min_seconds: float = 0.5) -> float:
    """Items per second of ``func`` (which processes ``count`` items), repeated for stability."""
    func()  # warm-up: caches, imports
    runs, start = 0, time.perf_counter()
    while True:
        func()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return count * runs / elapsed


def run_bench(args: argparse.Namespace) -> int:
    """Runs the benchmark and prints a table, or one JSON object with ``--json``."""
    levels = list(Difficulty)
    per_level = max(1, args.models // len(levels))
    specs = [m for i, lvl in enumerate(levels) for m in sample_models(args.seed + i, per_level, lvl)]
    results: dict[str, Any] = {"models": len(specs)}

    results["engine_models_per_s"] = _rate(len(specs), lambda: [analyze(s) for s in specs])
    results["engine_explain_models_per_s"] = _rate(
        len(specs), lambda: [analyze(s, explain=True) for s in specs]
    )
    if not args.no_keras:
        from generator.verify import keras_layers, keras_module, versions

        keras = keras_module()
        subset = specs[:: max(1, len(specs) // args.keras_models)][: args.keras_models]

        def build_all() -> None:
            for s in subset:
                keras_layers(s)
            keras.backend.clear_session()

        results["keras_models"] = len(subset)
        results["keras_models_per_s"] = _rate(len(subset), build_all, min_seconds=2.0)
        results["speedup_vs_keras"] = results["engine_models_per_s"] / results["keras_models_per_s"]
        results.update(versions())
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
