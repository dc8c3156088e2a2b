"""The workers' task as the build's driver names it. The driver only sends the task to the workers, which
run worker.parse_chunk; importing worker.py would load the whole parser, its compiled kernels and the
language model into the driver (the workers' fork server has them loaded already: build/warm.py)."""

from __future__ import annotations

import gc


def parse_chunk(job: tuple) -> tuple:
    """Run worker.parse_chunk on `job` (in a worker process; in the driver itself with one worker).

    Python's cyclic collector is paused for the task and the young objects collected once after it: a parse
    allocates many short-lived containers, so the collector would otherwise run every few hundred of them
    and, now and then, walk every object the worker holds (the parser's tables, the language model's).
    Reference counting frees nearly all of a task's garbage as it goes; the rare cycle waits until the
    task's end, so a task's memory stays bounded by its run of files."""
    from .worker import parse_chunk as run

    enabled = gc.isenabled()
    gc.disable()
    try:
        return run(job)
    finally:
        gc.collect(1)
        if enabled:
            gc.enable()
