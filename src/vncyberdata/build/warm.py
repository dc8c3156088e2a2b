"""What every parse worker loads before its first page, loaded once in the worker pool's fork server: the
language model, the compiled kernels (numba's first call in a process also starts its compiler), the chrome
table, the topic taxonomy, and for validate's workers the legacy-encoding detector. Workers forked from the
server start with them (shared copy on write), instead of each loading them on its first task. Importing this module does the loading (a fork server can only be
told modules to import); nothing else imports it."""

from __future__ import annotations

from ..intake import legacy
from ..parse import langid, normalize, topics, wordshare
from ..parse.chrome import default_table
from ..parse.locate import stopword_share
from . import minhash


def _load() -> None:
    langid.identify("Công an bắt giữ đối tượng lừa đảo qua mạng")
    langid.proven("Công an bắt giữ đối tượng lừa đảo qua mạng", "vi")  # validate's bound table
    wordshare.vietnamese_share("Công an bắt giữ")
    stopword_share("Công an đã bắt giữ đối tượng")
    normalize.needs_cleaning("Công an  bắt giữ")
    normalize.joined_words("công an bắt giữ đối tượng lừa đảo qua mạng, chiếm đoạt tài sản của nhiều người dân")
    minhash.key_signature("công an bắt giữ đối tượng lừa đảo qua mạng")
    default_table()
    topics.match_topics("lừa đảo qua mạng")  # the taxonomy and its automaton
    legacy.detect_text("Công an bắt giữ đối tượng lừa đảo qua mạng")  # its compiled scan


try:
    _load()
except Exception:  # noqa: BLE001 - a worker meets the same failure on its first page, where it is reported
    pass
