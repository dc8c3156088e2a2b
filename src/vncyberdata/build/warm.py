"""Imported by a build's worker pool's fork server (engines.BUILD_WORKERS): the workers' modules, what a
parse loads (parse/warm.py) and the MinHash kernel, once for every worker. Nothing else imports it."""

from __future__ import annotations

from . import sketch, worker  # noqa: F401 - worker: the workers' task and what it imports
from ..parse import warm

warm.load(lambda: sketch.key_signature(warm.SAMPLE.lower()))
