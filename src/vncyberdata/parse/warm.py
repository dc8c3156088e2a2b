"""What every parse loads before its first page, loaded once in a worker pool's fork server (build/warm.py,
intake/warm.py import this module): the language model, the compiled kernels (numba's first call in a
process also starts its compiler), the chrome table and the topic taxonomy. Workers forked from the server
start with them (shared copy on write), instead of each loading them on its first task. Importing this
module does the loading (a fork server can only be told modules to import).

numba asks scipy whether a BLAS is installed when its first compiled function loads, by importing
`scipy.linalg`, which costs about as much as numba's own start, and loads cffi (with its C parser) to type
cffi objects; no kernel of this package does linear algebra or takes a cffi object, so both are hidden while
the kernels load (numba then records that neither is there) and importable again afterwards.

A worker never hands pyarrow a pandas object: pyarrow's look for pandas is skipped (memory.skip_pandas_probe).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from . import langid, normalize, redact, topics, wordshare
from .. import memory
from .chrome import default_table
from .locate import stopword_share

SAMPLE = "Công an bắt giữ đối tượng lừa đảo qua mạng"
_HIDDEN = ("scipy.linalg", "cffi")  # what numba would import while the kernels load, for nothing


def load(*more: Callable[[], object]) -> None:
    """Load what a parse loads, then run `more` (a stage's own loading); a failure is left for the worker's
    first page, which reports it."""
    hidden = [name for name in _HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment] - an import of it fails: "not installed"
    try:
        langid.identify(SAMPLE)
        wordshare.vietnamese_share(SAMPLE)
        stopword_share(SAMPLE)
        normalize.needs_cleaning("Công an  bắt giữ")
        normalize.joined_words(f"{SAMPLE}, chiếm đoạt tài sản của nhiều người dân")
        redact.may_hold_pii(SAMPLE)
        default_table()
        topics.match_topics(SAMPLE)  # the taxonomy and its automaton
        for step in more:
            step()
    except Exception:  # noqa: BLE001 - a worker meets the same failure on its first page, where it is reported
        pass
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
    memory.skip_pandas_probe()
