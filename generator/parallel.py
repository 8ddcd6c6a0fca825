"""Spreading independent, CPU-bound work (one exam paper's documents per student) over the
machine's cores, with results in input order so outputs stay byte-identical to a serial run.

Workers are *spawned*, never forked: a fork of a process that has loaded TensorFlow (verification
runs before the documents) can deadlock. A spawned worker imports only what the work function's
module imports (about 0.2 s), so small jobs stay serial.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_FROM = 48
"""The fewest items worth starting worker processes for."""

CHUNK = 8
"""The most items sent to a worker at a time."""


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(items: int, workers: int | None = None) -> int:
    """How many worker processes ``items`` items get: 0 (run here) for a few items or one core;
    ``workers`` overrides the choice (0 or 1: serial).

    >>> worker_count(10, None), worker_count(10, 2), worker_count(10, 1)
    (0, 2, 0)
    """
    if workers is None:
        workers = cores() if items >= PARALLEL_FROM else 0
    return 0 if workers <= 1 else min(workers, items)


@contextlib.contextmanager
def ordered_map(
    function: Callable[[T], R], items: Iterable[T], workers: int | None = None
) -> Iterator[Iterator[R]]:
    """``map(function, items)`` in worker processes when it pays (see :func:`worker_count`),
    else in this one. The work starts on entry, so the caller can do other work before reading
    the results, which come in input order. ``function`` must be a module-level function and
    its items and results picklable; an exception it raises is raised again here."""
    todo = list(items)
    count = worker_count(len(todo), workers)
    if count == 0:
        yield map(function, todo)
        return
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool.map(function, todo, chunksize=max(1, min(CHUNK, len(todo) // (count * 8))))
    except BaseException:
        # An error, Ctrl-C or SIGTERM: no waiting for the rest. The workers only compute (this
        # process writes every file), so they are stopped, not waited for: chunks already
        # queued to them cannot be cancelled, and waiting for them let a second signal land
        # inside the pool's shutdown, which then hung at exit.
        processes = list((pool._processes or {}).values())  # no public handle before Python 3.14
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(10)
        raise
    pool.shutdown()
