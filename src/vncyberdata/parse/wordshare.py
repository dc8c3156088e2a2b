"""The share of a text's words that carry a Vietnamese letter, and the share that are stopwords, each
counted in one compiled pass (numba).

A word is a run of non-whitespace characters. It counts when it holds a letter (as the pattern [^\\W\\d_]
sees one: a letter, not a digit nor "_"), and counts as Vietnamese when it holds one of the letters that
only Vietnamese spelling gives (a tone mark, a hat, a horn, đ), in either case. The classes of every
character of the Basic Multilingual Plane are one lookup table, made with the str methods that the
expressions' classes stand for (\\s is str.isspace, [^\\W\\d_] is isalnum and not isdecimal; a test
compares the table with the expressions on every character); a text with a character beyond that plane is
counted with the expressions themselves.

`stopword_share` counts as `locate.stopword_share` defines it: the runs of word characters (\\w) of the
case-folded text that are in a set of words, over its whitespace-separated words. A word of the set is
a key of six bits a letter (its letters numbered in the set's alphabet), so a run is looked up without
making a string; a text with a character whose case folding is not one character is counted in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numba
import numpy as np

from .normalize import bmp_codes

VI_LETTERS = frozenset("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
_VI_CASES = "".join(sorted({c for letter in VI_LETTERS for c in (letter, letter.upper())}))

_SPACE, _LETTER, _VI = 1, 2, 4
# The same counts by expression: a word with a letter (or a Vietnamese letter) is matched from that letter
# to the word's end, once per word.
_ALPHA_WORD = re.compile(r"[^\W\d_]\S*")
_VI_WORD = re.compile("[" + _VI_CASES + r"]\S*")


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
    codes = bmp_codes(text)
    if codes is None:  # a character beyond the BMP (two code units)
        words, vietnamese = len(_ALPHA_WORD.findall(text)), len(_VI_WORD.findall(text))
    else:
        words, vietnamese = _count(codes, _classes())
    return vietnamese / words if words else 0.0


_RUN_SPACE, _RUN_WORD, _MULTI = 1, 2, 4
_KEY_LETTERS = 10  # letters a key holds (six bits each)


@lru_cache(maxsize=4)
def _word_keys(words: frozenset[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(each BMP character's classes once case-folded, its letter number in the words' alphabet (0: none),
    the words' keys sorted)."""
    alphabet = sorted({c for w in words for c in w})
    assert len(alphabet) < 64 and all(w.casefold() == w and 0 < len(w) <= _KEY_LETTERS for w in words)
    number = {c: i + 1 for i, c in enumerate(alphabet)}
    classes = np.zeros(0x10000, dtype=np.uint8)
    letters = np.zeros(0x10000, dtype=np.int64)
    for code in range(0x10000):
        folded = chr(code).casefold()
        if len(folded) != 1 or ord(folded) > 0xFFFF:
            classes[code] = _MULTI
            continue
        classes[code] = (_RUN_SPACE if folded.isspace() else 0) | (_RUN_WORD if folded.isalnum() or folded == "_" else 0)
        letters[code] = number.get(folded, 0)
    keys = []
    for w in words:
        key = 0
        for c in w:
            key = key * 64 + number[c]
        keys.append(key)
    return classes, letters, np.array(sorted(keys), dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _count_words(codes, classes, letters, keys):  # pragma: no cover (compiled; a test compares with Python)
    """(whitespace-separated words, runs of word characters whose key is in `keys`), or (-1, 0) when a
    character folds to more than one."""
    tokens = found = 0
    in_token = False
    key = length = 0
    for i in range(codes.shape[0] + 1):
        kind = classes[codes[i]] if i < codes.shape[0] else 1
        if kind & 4:
            return -1, 0
        if kind & 2:  # a word character: the run goes on
            letter = letters[codes[i]]
            if letter == 0 or length >= _KEY_LETTERS:
                length = _KEY_LETTERS + 1  # no word of the set
            else:
                key = key * 64 + letter
                length += 1
        else:
            if 0 < length <= _KEY_LETTERS:
                at = np.searchsorted(keys, key)
                found += at < keys.shape[0] and keys[at] == key
            key = length = 0
        if kind & 1:
            in_token = False
        elif not in_token and i < codes.shape[0]:
            tokens += 1
            in_token = True
    return tokens, found


def stopword_share(text: str, words: frozenset[str]) -> float:
    """The runs of word characters of `text.casefold()` that are in `words`, over its whitespace-separated
    words (0.0 when there are none)."""
    tokens, found = word_counts(text, words)
    return found / tokens if tokens else 0.0


def word_counts(text: str, words: frozenset[str]) -> tuple[int, int]:
    """(`len(text.split())`, the runs of word characters of `text.casefold()` that are in `words`), counted
    in one pass."""
    codes = bmp_codes(text)
    tokens = -1
    if codes is not None:
        tokens, found = _count_words(codes, *_word_keys(words))
    if tokens < 0:  # beyond the BMP, or a character that folds to several
        folded = text.casefold()
        tokens = len(folded.split())
        found = sum(1 for run in _WORD_RUN.findall(folded) if run in words)
    return tokens, found


_WORD_RUN = re.compile(r"\w+")
