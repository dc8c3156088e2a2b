"""The workers' task as the build's driver names it. The driver only sends the task to the workers, which
run worker.parse_chunk; importing worker.py would load the whole parser, its compiled kernels and the
language model into the driver (the workers' fork server has them loaded already: build/warm.py)."""

from __future__ import annotations


def parse_chunk(job: tuple) -> tuple:
    """Run worker.parse_chunk on `job` (in a worker process; in the driver itself with one worker)."""
    from .worker import parse_chunk as run

    return run(job)
