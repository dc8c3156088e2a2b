"""Imported by validate's worker pool's fork server (engines.CHECK_WORKERS): the checks, what a parse loads
(parse/warm.py), validate's language bound table and the legacy-encoding detector's compiled scan, once for
every worker. Nothing else imports it."""

from __future__ import annotations

from . import legacy, validate  # noqa: F401 - validate: the workers' task and what it imports
from ..parse import langid, warm

warm.load(lambda: langid.proven(warm.SAMPLE, "vi"), lambda: legacy.detect_text(warm.SAMPLE))
