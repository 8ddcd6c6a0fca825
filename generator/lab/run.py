"""One lab run, end to end: data -> training -> figures, model, notebook, ``results.json``.

Everything is written into a temporary folder beside the output folder, which then replaces
the output folder as a whole: a failed or interrupted run never leaves a half-written one.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from generator.errors import UserError
from generator.lab.config import LabConfig
from generator.lab.data import Mnist, load_mnist
from generator.lab.train import Trained, train
from generator.output import atomic_dir

MARKER = "cnn-worksheets lab"
"""``results.json``'s ``generator`` value; only a folder holding it is ever replaced."""

RESULTS = "results.json"
MODEL = "model.keras"
NOTEBOOK = "lab.ipynb"
CURVES = "curves.png"
CONFUSION = "confusion_matrix.png"
MISCLASSIFIED = "misclassified.png"
HANDOUT = ("handout.md", "handout.html", "handout-key.md", "handout-key.html", "handout-key.json")
OUTPUT_FILES = (CONFUSION, CURVES, NOTEBOOK, MISCLASSIFIED, MODEL, RESULTS, *HANDOUT)


def run_lab(config: LabConfig, log: TextIO | None = None) -> dict[str, Any]:
    """Train the seed's model as ``config`` says and write every output into ``config.out``.

    Args:
        config: The validated run.
        log: Progress (default ``sys.stdout``): Keras' bar on a terminal, else a line an epoch.

    Returns:
        What ``results.json`` holds.

    Raises:
        UserError: Bad data, a bad subset, or an output folder that is not a lab's.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    log = log or sys.stdout
    check_replaceable(config.out)
    mnist = load_mnist(config.data)
    if config.subset is not None:
        mnist = mnist.subset(config.subset)
    loaded = time.perf_counter()
    print(f"lab, {config.preset} preset: {len(mnist.x_train)} training and "
          f"{len(mnist.x_test)} test images from {mnist.source}", file=log, flush=True)

    trained = train(config.recipe, mnist, config.seed, log)
    with replacing_folder(config.out) as tmp:
        writing = time.perf_counter()
        _write_files(tmp, config, mnist, trained)
        results = {
            "generator": MARKER,
            "preset": config.preset.value,
            "hyperparameters": {**config.recipe.to_json(), "loss": "categorical_crossentropy",
                                "seed": config.seed, "subset": config.subset},
            "data": {"source": mnist.source, "sha256": mnist.sha256,
                     "train_images": len(mnist.x_train), "test_images": len(mnist.x_test)},
            "test_accuracy": trained.test_accuracy,
            "test_loss": trained.test_loss,
            "history": trained.history,
            "seconds": {
                "load_data": round(loaded - started, 2),
                "setup": round(trained.setup_seconds, 2),
                "train": round(trained.train_seconds, 2),
                "evaluate": round(trained.evaluate_seconds, 2),
                "write_outputs": round(time.perf_counter() - writing, 2),
                "total": round(time.perf_counter() - started, 2),
                # Processor seconds of all threads: unlike wall time, barely affected by other
                # programs competing for the cores (about twice the wall time on 2 idle cores).
                "cpu": round(time.process_time() - cpu_started, 2),
            },
            "versions": versions(),
            "files": list(OUTPUT_FILES),
        }
        (tmp / RESULTS).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {config.out}/ in {results['seconds']['total']:.1f} s: test accuracy "
          f"{trained.test_accuracy:.4f}, loss {trained.test_loss:.4f}", file=log, flush=True)
    return results


def _write_files(folder: Path, config: LabConfig, mnist: Mnist, trained: Trained) -> None:
    """Figures, model and notebook (everything but ``results.json``) into ``folder``."""
    import nbformat

    from generator.lab import plots
    from generator.lab.handout import write_handout
    from generator.lab.model import SPEC
    from generator.lab.notebook import build_notebook

    predictions = trained.predictions
    plots.plot_curves(trained.history, trained.test_loss, trained.test_accuracy,
                      folder / CURVES)
    plots.plot_confusion(plots.confusion_matrix(mnist.y_test, predictions), folder / CONFUSION)
    plots.plot_misclassified(mnist.x_test, mnist.y_test, predictions, folder / MISCLASSIFIED)
    trained.model.save(folder / MODEL)
    notebook = build_notebook(config, mnist.source, len(mnist.x_train), len(mnist.x_test))
    with (folder / NOTEBOOK).open("w", encoding="utf-8") as f:
        nbformat.write(notebook, f)
    write_handout(SPEC, folder)


def versions() -> dict[str, str]:
    """Python, TensorFlow, Keras and NumPy versions (imports TensorFlow)."""
    import keras
    import numpy
    import tensorflow

    return {"python": platform.python_version(), "tensorflow": tensorflow.__version__,
            "keras": keras.__version__, "numpy": numpy.__version__}


def check_replaceable(out: Path) -> None:
    """Refuse an output path that exists and is not a lab output folder.

    A lab output folder holds a ``results.json`` whose ``generator`` is :data:`MARKER`; any
    other existing path (a file, the repository, a home folder) is left alone.

    Raises:
        UserError: ``out`` exists and is not a lab output folder.
    """
    if not out.exists():
        return
    results = out / RESULTS
    try:
        marker = json.loads(results.read_text(encoding="utf-8")).get("generator")
    except (OSError, ValueError, AttributeError):
        marker = None
    if not out.is_dir() or marker != MARKER:
        raise UserError(
            f"--out exists and is not a lab output folder (no {RESULTS} written by this lab), "
            f"so it is not replaced; remove it or choose another. Received: {out}"
        )


@contextmanager
def replacing_folder(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` that replaces ``out`` only if the block succeeds, and
    only when ``out`` is a lab output folder (or does not exist)."""
    check_replaceable(out)
    with atomic_dir(out) as tmp:
        yield tmp
