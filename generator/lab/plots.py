"""The lab's PNG figures, drawn with Matplotlib's Agg canvas (no pyplot, no display).

Matplotlib is imported inside the functions only. PNGs carry no software tag or timestamp,
so the same numbers give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from generator.lab.data import NUM_CLASSES

_PNG_METADATA = {"Software": None}
_DPI = 100


def _figure(width: float, height: float) -> Any:
    """A Figure on an Agg canvas, independent of pyplot's global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: Path) -> Path:
    figure.savefig(path, format="png", metadata=_PNG_METADATA)
    return path


def plot_curves(history: list[dict[str, float]], test_loss: float, test_accuracy: float,
                path: Path) -> Path:
    """Training loss and accuracy per epoch, with the final test figures as dashed lines.

    Args:
        history: Per epoch: ``epoch``, ``loss``, ``accuracy``.
        test_loss: Test loss after training.
        test_accuracy: Test accuracy after training.
        path: The PNG to write.
    """
    figure = _figure(9, 3.6)
    epochs = [row["epoch"] for row in history]
    for ax, key, test in zip(figure.subplots(1, 2), ("loss", "accuracy"),
                             (test_loss, test_accuracy), strict=True):
        ax.plot(epochs, [row[key] for row in history], "o-", label=f"training {key}")
        ax.axhline(test, color="tab:orange", linestyle="--", label=f"test {key} {test:.4f}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_xticks(epochs)
        ax.set_title(f"{key.capitalize()} per epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(figure, path)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Counts: row = true digit, column = predicted digit.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]))[:2, :2].tolist()
    [[1, 0], [1, 1]]
    """
    counts = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(counts, (labels.astype(np.int64), predictions.astype(np.int64)), 1)
    return counts


def plot_confusion(matrix: np.ndarray, path: Path) -> Path:
    """The confusion matrix as a heat map with every count written in its cell."""
    figure = _figure(6.4, 5.6)
    ax = figure.subplots()
    image = ax.imshow(np.log1p(matrix), cmap="Blues")
    brightest = image.norm.vmax or 1.0
    for (row, col), count in np.ndenumerate(matrix):
        dark = np.log1p(count) > 0.6 * brightest
        ax.text(col, row, str(count), ha="center", va="center", fontsize=8,
                color="white" if dark else "black")
    ticks = range(NUM_CLASSES)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"Confusion matrix ({int(matrix.trace())} of {int(matrix.sum())} correct)")
    return _save(figure, path)


def plot_misclassified(images: np.ndarray, labels: np.ndarray, predictions: np.ndarray,
                       path: Path, limit: int = 40, columns: int = 8) -> Path:
    """A grid of the first ``limit`` misclassified test digits, titled true / predicted.

    The digits are tiled into one image (one axes instead of one per digit: much faster).

    Args:
        images: Test images, (M, 28, 28) uint8.
        labels: True digits.
        predictions: Predicted digits.
        path: The PNG to write.
        limit: At most this many digits.
        columns: Digits per row.
    """
    wrong = np.flatnonzero(labels != predictions)
    shown = wrong[:limit]
    rows = max(1, -(-len(shown) // columns))
    side, gap, caption = images.shape[1], 4, 12  # pixels: digit, margin, room for the title
    cell_w, cell_h = side + 2 * gap, side + gap + caption
    tiles = np.zeros((rows * cell_h, columns * cell_w), dtype=images.dtype)
    figure = _figure(columns * 1.2, rows * 1.45 + 0.4)
    ax = figure.subplots()
    for slot, index in enumerate(shown):
        top, left = (slot // columns) * cell_h + caption, (slot % columns) * cell_w + gap
        tiles[top:top + side, left:left + side] = images[index]
        ax.text(left + side / 2, top - 2, f"true {labels[index]}, pred {predictions[index]}",
                ha="center", va="bottom", fontsize=8)
    ax.imshow(tiles, cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
    ax.axis("off")
    if not len(shown):
        ax.text(tiles.shape[1] / 2, tiles.shape[0] / 2, "none", ha="center", va="center")
    more = f" (first {len(shown)})" if len(shown) < len(wrong) else ""
    ax.set_title(f"Misclassified test digits: {len(wrong)} of {len(labels)}{more}")
    return _save(figure, path)
