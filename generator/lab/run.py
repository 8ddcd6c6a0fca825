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

from generator import output
from generator.lab.config import LabConfig
from generator.lab.data import Mnist, load_mnist
from generator.lab.train import Trained, train

MARKER = "cnn-worksheets lab"
"""``results.json``'s ``generator`` value; only a folder holding it is ever replaced."""

RESULTS = "results.json"
MODEL = "model.keras"
NOTEBOOK = "lab.ipynb"
CURVES = "curves.png"
CONFUSION = "confusion_matrix.png"
MISCLASSIFIED = "misclassified.png"
HANDOUT = ("handout.md", "handout.html", "handout-key.md", "handout-key.html", "handout-key.json")
FIGURES = "figures"  # the handout's figures, which its Markdown links
OUTPUT_FILES = (CONFUSION, CURVES, NOTEBOOK, MISCLASSIFIED, MODEL, RESULTS, *HANDOUT, FIGURES)


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
        results: dict[str, Any] = {
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
    """Refuse an output path that a lab run may not replace.

    A folder is replaced when it is new, empty, or holds only what an earlier run of this tool
    wrote there (see :func:`generator.output.check_replaceable`); a lab folder written before
    output manifests existed is recognised by its ``results.json`` (``generator`` is
    :data:`MARKER`) and holds nothing but the lab's own files.

    Raises:
        UserError: ``out`` is a file, or a folder holding anything else.
    """
    output.check_replaceable(out, "--out", "a lab output folder", legacy=_earlier_lab_folder)


def _earlier_lab_folder(folder: Path) -> bool:
    """A lab folder from before output manifests: its ``results.json`` says it is, and every
    entry in it is one of the lab's own files."""
    try:
        marker = json.loads((folder / RESULTS).read_text(encoding="utf-8")).get("generator")
        names = {p.name for p in folder.iterdir()}
    except (OSError, ValueError, AttributeError, RecursionError):
        return False
    return marker == MARKER and all(
        name in OUTPUT_FILES or name in output.CLUTTER for name in names
    ) and all((folder / name).is_file() and not (folder / name).is_symlink() for name in names)


@contextmanager
def replacing_folder(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` that replaces ``out`` only if the block succeeds, and
    only when ``out`` may be replaced (see :func:`check_replaceable`)."""
    with output.atomic_dir(out, "lab", "--out", "a lab output folder", legacy=_earlier_lab_folder) as tmp:
        yield tmp
