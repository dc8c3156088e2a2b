"""Everything here runs offline: these variables stop `datasets`, `huggingface_hub` and great-expectations
from reaching for a network. They are read when those libraries are imported, so set them first."""

from __future__ import annotations

import os

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "GX_ANALYTICS_ENABLED": "false"}


def ensure_offline() -> None:
    os.environ.update(OFFLINE_ENV)
