"""Worker processes for the work that grows with the history: parsing files, reading their days, classifying."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


def worker_pool(
    processes: int, preload: str, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """Up to ``processes`` workers started from a fork server that imported ``preload`` once.

    A fork server, never a fork of this process: it may hold database threads and connections. The
    server is started once per process; the first pool's ``preload`` is what it imported.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=initializer, initargs=initargs)
