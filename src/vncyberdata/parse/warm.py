"""What every parse loads before its first page, loaded once in a worker pool's fork server (build/warm.py,
intake/warm.py import this module): the language model, the compiled kernels (numba's first call in a
process also starts its compiler), the chrome table and the topic taxonomy. Workers forked from the server
start with them (shared copy on write), instead of each loading them on its first task. Importing this
module does the loading (a fork server can only be told modules to import).

numba asks scipy whether a BLAS is installed when its first compiled function loads, by importing
`scipy.linalg`, which costs about as much as numba's own start, and loads cffi (with its C parser) to type
cffi objects; no kernel of this package does linear algebra or takes a cffi object, so both are hidden while
the kernels load (numba then records that neither is there) and importable again afterwards.

pyarrow looks for pandas the first time it converts a Python list (`pa.array`, `pa.table`), in case the list
is a pandas object: an import of pandas in every worker (a fifth of a second, and its memory) on its first
chunk. A worker never hands pyarrow a pandas object, so pandas is hidden during one conversion here:
pyarrow records that there is none and does not look again (an explicit `to_pandas` would still import it).
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Callable

from . import langid, normalize, topics, wordshare
from .chrome import default_table
from .locate import stopword_share

SAMPLE = "Công an bắt giữ đối tượng lừa đảo qua mạng"
_HIDDEN = ("scipy.linalg", "cffi")  # what numba would import while the kernels load, for nothing
_PANDAS = "pandas"


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
    _convert_without_pandas()


def _convert_without_pandas() -> None:
    """One conversion of a Python list by pyarrow with pandas hidden (see the module's docstring). pyarrow's
    compiled import reads a None in sys.modules as the module, so pandas is hidden by a finder that refuses it."""
    if _PANDAS in sys.modules:
        return  # already loaded: pyarrow finds it, nothing to save
    import pyarrow as pa

    refuse = _Refuse()
    sys.meta_path.insert(0, refuse)
    try:
        pa.array([SAMPLE])
    except Exception:  # noqa: BLE001 - a pyarrow that looks for pandas otherwise: it imports it as before
        pass
    finally:
        sys.meta_path.remove(refuse)


class _Refuse(importlib.abc.MetaPathFinder):
    """An import finder for which pandas is not installed."""

    def find_spec(self, name, path, target=None):
        if name == _PANDAS:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
