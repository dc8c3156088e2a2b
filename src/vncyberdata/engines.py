"""Where the per-file work of a build runs: a local process pool, or a Ray cluster through Ray Data.

An engine maps `build._parse_chunk` over the build's jobs (runs of files) and returns the results in job
order. A task writes its records and their facts to a chunk of the build's spill folder and returns counts
only; everything after that (language filter, duplicate ids, near-duplicate clusters, split, sort, shards)
works on the facts, read back in chunk order on the driver, so every engine gives the same bytes.
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

from .errors import UserError

ENGINES = ("local", "ray")
# what a local engine's workers load before their first task (the module their fork server imports)
BUILD_WORKERS = "vncyberdata.build.warm"
CHECK_WORKERS = "vncyberdata.intake.warm"


@dataclass(frozen=True)
class LocalEngine:
    """A process pool fed a bounded window of batches: jobs are read from the iterator only as results are
    taken, so neither the jobs nor the results of a whole corpus are ever in memory at once
    (`ProcessPoolExecutor.map` would submit every job up front)."""

    workers: int = 1
    batch: int = 1  # jobs per task; the build's jobs are already runs of files
    preload: str = BUILD_WORKERS

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        if self.workers <= 1:
            yield from map(fn, jobs)
            return
        jobs = iter(jobs)
        window: deque = deque()
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=_worker_context(self.preload)) as pool:
            while True:
                while len(window) < 4 * self.workers and (batch := list(islice(jobs, self.batch))):
                    window.append(pool.submit(_run_batch, fn, batch))
                if not window:
                    return
                yield from window.popleft().result()


def _worker_context(preload: str):
    """Workers fork from a small server process that has imported `preload` (the workers' code and what
    parsing loads: build/warm.py, intake/warm.py), not from the driver: a worker forked from the driver
    would start with (and be charged for) the driver's whole heap, which grows with the corpus. A process
    has one fork server: the preload of the first engine started in it holds (a later one's workers import
    what they miss on their first task)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return context


def prestart(workers: int, preload: str = BUILD_WORKERS) -> None:
    """Start the local engine's fork server now, so that its loading (a second or so) overlaps what the
    caller does before it maps (listing the raw folder, opening the database)."""
    if workers > 1:
        _worker_context(preload)
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _run_batch(fn: Callable, batch: list) -> list:
    return [fn(job) for job in batch]


@dataclass(frozen=True)
class RayEngine:
    """Ray Data over the jobs, order preserved. `address` None starts a local Ray; "auto" or
    "ray://host:10001" joins a running cluster (every node needs this package and the raw folder)."""

    address: str | None = None
    num_cpus: int | None = None
    batch_size: int = 1  # jobs per Ray task; the build's jobs are already runs of files

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        try:
            import ray
        except ImportError as err:
            raise UserError("the ray engine needs Ray", "pip install 'vncyberdata[ray]'") from err
        import logging

        logging.getLogger("ray.data").setLevel(logging.ERROR)  # no per-run INFO lines on the user's terminal
        if not ray.is_initialized():
            ray.init(
                address=self.address,
                num_cpus=self.num_cpus if self.address is None else None,
                include_dashboard=False,
                log_to_driver=False,
                logging_level="ERROR",
            )
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # results must come back in job order
        context.enable_progress_bars = False
        rows = [{"job": pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)} for job in jobs]
        if not rows:
            return
        dataset = ray.data.from_items(rows).map_batches(_remote_batch(fn), batch_size=self.batch_size, batch_format="default")
        for row in dataset.iter_rows():
            yield _decode(row["result"])


def _remote_batch(fn: Callable) -> Callable:
    def run(batch: dict) -> dict:
        return {"result": [_encode(fn(pickle.loads(job))) for job in batch["job"]]}

    return run


def _encode(out: tuple) -> bytes:
    """A task's result → bytes: Ray Data carries plain columns, not Python objects."""
    return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(data: bytes) -> tuple:
    return pickle.loads(data)


def make_engine(name: str, workers: int = 1, address: str | None = None):
    if name == "local":
        return LocalEngine(workers)
    if name == "ray":
        return RayEngine(address=address, num_cpus=workers if address is None else None)
    raise UserError(f"unknown engine {name!r}", f"use one of {', '.join(ENGINES)}", 2)
