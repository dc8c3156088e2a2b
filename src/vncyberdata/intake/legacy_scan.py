"""The shortcut of legacy.detect_text, compiled: does a text hold no spot where a legacy-encoding clue could
be? Most text is ordinary Unicode Vietnamese and holds none; only a text with a spot has its words judged.

A spot (legacy.py says why) is a character that `legacy._CLUE` matches, or a `_LATIN1_WORD` (a maximal run of
ASCII and Latin-1 letters holding a Latin-1 one) that is no Vietnamese syllable. `Scanner.scan` walks the
text's UTF-16 code units once: it stops at the first clue character (the pattern's alternatives written out
over a table of each character's classes, made by asking the pattern's own character classes), and gives
each Latin-1 word of up to `KEY_LETTERS` letters as an integer key (seven bits a letter: one key, one word),
so that the words already known to be syllables (a sorted array of their keys, searched in the walk) are
skipped without making a string of each. A test compares the walk with the patterns.
"""

from __future__ import annotations

import re
import string

import numba
import numpy as np

from ..parse.normalize import bmp_codes, plane_table

KEY_LETTERS = 9  # letters a key holds (7 bits each, in 63 bits); a longer run is given as its bounds
_ODD, _CONT, _LEAD, _AEO, _A, _OU, _VOWEL, _D, _ASCII, _LATIN1 = (1 << k for k in range(10))


@numba.njit(cache=True, nogil=True)
def _scan(codes, classes, letters, known, keys, longs):  # pragma: no cover (compiled; a test compares with the patterns)
    """(-1, 0) at the first clue character; else how many rows of `keys` (the key and start of a Latin-1 word
    whose key is not in the sorted `known`) and of `longs` (a longer Latin-1 word's start and end) were
    written."""
    size = codes.shape[0]
    nkeys, nlongs = 0, 0
    start, latin1, key = -1, False, 0
    for i in range(size + 1):
        c = codes[i] if i < size else 0
        kind = classes[c] if i < size else 0
        if (kind & 131) != 0 or c in (94, 40, 43, 39, 96, 63, 126, 46):  # odd, CONT, d, or a VIQR mark
            before = classes[codes[i - 1]] if i > 0 else 0
            after = classes[codes[i + 1]] if i + 1 < size else 0
            if kind & 1:  # an odd character
                return -1, 0
            if kind & 2 and before & 4:  # the second of a UTF-8 sequence read as cp1252
                return -1, 0
            if (c == 94 and before & 8) or (c == 40 and before & 16) or (c == 43 and before & 32):  # ^ ( +
                return -1, 0
            if c in (39, 96, 63, 126, 46) and before & 64 and after & 256:  # ' ` ? ~ . on a vowel, a letter after
                return -1, 0
            if kind & 128 and not before & 256:  # a d not after an ASCII letter, before d or "-letter"
                if after & 128 or (i + 2 < size and codes[i + 1] == 45 and classes[codes[i + 2]] & 256):
                    return -1, 0
        if kind & 768:  # a letter: the run goes on
            if start < 0:
                start, latin1, key = i, False, 0
            latin1 |= (kind & 512) != 0
            if i - start < KEY_LETTERS:
                key = key * 128 + letters[codes[i]]
        elif start >= 0:  # the end of a run
            if latin1:
                if i - start <= KEY_LETTERS:
                    at = np.searchsorted(known, key)
                    if at == known.shape[0] or known[at] != key:  # not a known syllable
                        keys[nkeys, 0], keys[nkeys, 1] = key, start
                        nkeys += 1
                else:
                    longs[nlongs, 0], longs[nlongs, 1] = start, i
                    nlongs += 1
            start = -1
    return nkeys, nlongs


class Scanner:
    """legacy's clue characters and Latin-1 letters as tables, and the keys of the words known to be
    syllables (`learn`)."""

    def __init__(self, odd: str, cont: str, lead: str, latin1: str) -> None:
        """`odd`, `cont`, `lead`: the character classes (as patterns) of legacy's clue; `latin1`: its Latin-1
        Vietnamese letters."""
        assert KEY_LETTERS * 7 < 64 and len(string.ascii_letters) + len(latin1) < 128
        self.classes = plane_table(((odd, _ODD), (cont, _CONT), (lead, _LEAD), ("[aeoAEO]", _AEO), ("[aA]", _A),
                                    ("[ouOU]", _OU), ("[aeiouyAEIOUY]", _VOWEL), ("[dD]", _D), ("[A-Za-z]", _ASCII),
                                    (f"[{re.escape(latin1)}]", _LATIN1)))
        self.alphabet = string.ascii_letters + latin1  # a letter's code: its place here, from 1
        self.letters = np.zeros(256, dtype=np.int64)  # letters are all below 256
        for i, c in enumerate(self.alphabet):
            self.letters[ord(c)] = i + 1
        self.known = np.empty(0, dtype=np.int64)  # the keys of the words known to be syllables, sorted

    def key(self, word: str) -> int:
        key = 0
        for c in word:
            key = key * 128 + self.alphabet.index(c) + 1
        return key

    def word(self, key: int) -> str:
        letters = []
        while key:
            key, code = divmod(key, 128)
            letters.append(self.alphabet[code - 1])
        return "".join(reversed(letters))

    def scan(self, text: str) -> Found | None:
        """None when text has a clue character (or a character beyond the BMP: the patterns decide); else
        its Latin-1 words."""
        codes = bmp_codes(text)
        if codes is None:
            return None
        keys = np.empty((len(text) // 2 + 1, 2), dtype=np.int64)
        longs = np.empty((len(text) // (KEY_LETTERS + 2) + 1, 2), dtype=np.int64)
        nkeys, nlongs = _scan(codes, self.classes, self.letters, self.known, keys,
                              longs)
        return None if nkeys < 0 else Found(self, text, keys[:nkeys], longs[:nlongs])

    def learn(self, syllables: set[str]) -> None:
        """Words found to be syllables: `scan` gives them no more."""
        keys = [self.key(word) for word in syllables if len(word) <= KEY_LETTERS]
        self.known = np.union1d(self.known, np.array(keys, dtype=np.int64))


class Found:
    """The Latin-1 words of a text with no clue character: the keys and starts of those not known to be
    syllables when it was scanned, the longer ones' bounds."""

    def __init__(self, scanner: Scanner, text: str, keys: np.ndarray, longs: np.ndarray) -> None:
        self.scanner, self.text, self.keys, self.longs = scanner, text, keys, longs

    def new_words(self) -> set[str]:
        """The words not known to be syllables (every long word)."""
        keys, known = self.keys[:, 0], self.scanner.known
        if len(keys) and len(known):  # the words learnt since the scan are left out too
            keys = keys[known[np.searchsorted(known, keys).clip(max=len(known) - 1)] != keys]
        words = {self.scanner.word(key) for key in set(keys.tolist())}
        return words | {self.text[start:end] for start, end in self.longs.tolist()}

    def starts(self, words: set[str]) -> list[int]:
        """Where each occurrence of `words` starts, in order."""
        keys = {self.scanner.key(w) for w in words if len(w) <= KEY_LETTERS}
        found = [start for key, start in self.keys.tolist() if key in keys] if keys else []
        return sorted(found + [start for start, end in self.longs.tolist() if self.text[start:end] in words])
