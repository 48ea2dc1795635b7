"""Row-parallel CPU kernels on a thread pool.

The trainer's numba kernels release the GIL (``nogil=True``) and take a row
range ``r0, r1``; :func:`split_rows` runs one over all rows on
``torch.get_num_threads()`` threads. Threads rather than numba's
``parallel=True``: numba's parallel launch fixes the default
``multiprocessing`` start method, after which importing Lava (which sets it
again) fails; a thread pool leaves the process as it found it.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

#: operations (multiply-adds, copies, neuron steps) per extra thread:
#: smaller jobs run on the calling thread
MIN_THREAD_WORK = 1 << 20

_POOLS: dict = {}
_POOL_LOCK = threading.Lock()


def _forget_pools_after_fork() -> None:
    """A forked child has none of the parent's pool threads: start afresh."""
    global _POOL_LOCK
    _POOLS.clear()
    _POOL_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_after_fork)


def split_rows(kernel, n_rows: int, work: int, *args, align: int = 1) -> None:
    """``kernel(*args, r0, r1)`` over the rows [0, n_rows), split on
    ``torch.get_num_threads()`` threads when there is enough ``work`` to pay
    for them. Rows go out in a few chunks per thread so a descheduled thread
    does not hold up the others; each row is written by exactly one call.
    Chunks start at multiples of ``align``, so a kernel whose rounding
    depends on its blocking gives the same result on any number of threads."""
    threads = max(1, min(torch.get_num_threads(), n_rows, work // MIN_THREAD_WORK))
    if threads > 1:
        bounds = np.unique(np.linspace(0, n_rows, min(n_rows, 4 * threads) + 1)
                           .astype(np.int64) // align * align)
        bounds = np.append(bounds[bounds < n_rows], n_rows)
    if threads == 1 or len(bounds) == 2:                 # one chunk: no hand-off to a pool
        kernel(*args, 0, n_rows)
        return
    with _POOL_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = ThreadPoolExecutor(threads, "lava_delays_rows")
    futures = [pool.submit(kernel, *args, int(a), int(b))
               for a, b in zip(bounds[:-1], bounds[1:])]
    for fut in futures:
        fut.result()


__all__ = ["MIN_THREAD_WORK", "split_rows"]
