"""The share of a text's words that carry a Vietnamese letter, counted in one compiled pass (numba).

A word is a run of non-whitespace characters. It counts when it holds a letter (as the pattern [^\\W\\d_]
sees one: a letter, not a digit nor "_"), and counts as Vietnamese when it holds one of the letters that
only Vietnamese spelling gives (a tone mark, a hat, a horn, đ), in either case. The classes of every
character of the Basic Multilingual Plane are one lookup table, made with the str methods that the
expressions' classes stand for (\\s is str.isspace, [^\\W\\d_] is isalnum and not isdecimal; a test
compares the table with the expressions on every character); a text with a character beyond that plane is
counted with the expressions themselves.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numba
import numpy as np

VI_LETTERS = frozenset("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
_VI_CASES = "".join(sorted({c for letter in VI_LETTERS for c in (letter, letter.upper())}))

_SPACE, _LETTER, _VI = 1, 2, 4
# The same counts by expression: a word with a letter (or a Vietnamese letter) is matched from that letter
# to the word's end, once per word.
_ALPHA_WORD = re.compile(r"[^\W\d_]\S*")
_VI_WORD = re.compile("[" + _VI_CASES + r"]\S*")
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    chars = [chr(code) for code in range(0x10000)]
    table = np.array([(_SPACE if c.isspace() else 0) | (_LETTER if c.isalnum() and not c.isdecimal() else 0)
                      for c in chars], dtype=np.uint8)
    for c in _VI_CASES:
        table[ord(c)] |= _VI
    return table


@numba.njit(cache=True, nogil=True)
def _count(codes, classes):  # pragma: no cover (compiled; a test compares with the expressions)
    words = vietnamese = 0
    letter = vi = False
    for code in codes:
        kind = classes[code]
        if kind & 1:  # whitespace ends a word
            words += letter
            vietnamese += vi
            letter = vi = False
        else:
            letter = letter or (kind & 2) != 0
            vi = vi or (kind & 4) != 0
    return words + letter, vietnamese + vi


def vietnamese_share(text: str) -> float:
    """Words with a Vietnamese letter over words with a letter (0.0 when there are none)."""
    if _BEYOND_BMP.search(text):
        words, vietnamese = len(_ALPHA_WORD.findall(text)), len(_VI_WORD.findall(text))
    else:
        codes = np.frombuffer(text.encode("utf-16-le", errors="surrogatepass"), dtype=np.uint16)
        words, vietnamese = _count(codes, _classes())
    return vietnamese / words if words else 0.0
