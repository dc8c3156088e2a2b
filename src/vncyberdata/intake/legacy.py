"""Legacy Vietnamese encodings: decode, encode, detect and repair.

Four legacy encodings are known here (`LEGACY_ENCODINGS`), and three ways UTF-8 text gets mangled on its
way to us (`MISDECODINGS`): UTF-8, TCVN3 or VNI bytes that someone decoded as Windows-1252 and saved again
as UTF-8. `repair(data, name)` undoes any of the seven names (`REPAIRS`); `detect_bytes` and `detect_text`
say which one a file most likely needs, and where the first evidence is.

The codecs (`decode_legacy`, `encode_legacy`, from the tables in data/legacy/) live in `legacy_codecs` and
are imported from here; the Vietnamese rhymes the syllable check knows are in data/legacy/rhymes.txt.

Detection works on words. A word counts as evidence for a candidate when the candidate's repair turns it
into well-formed Vietnamese syllables (`_is_syllable`: initial consonant + rhyme from a fixed list, one tone
mark at most, a stop-final syllable only with the acute or dot-below tone, one consistent letter case) while
the word as it stands is not; a word that is well-formed Vietnamese as it stands but that the candidate
cannot improve counts against it. See `detect_text` and `detect_bytes` for the thresholds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .legacy_codecs import LEGACY_ENCODINGS, MISDECODINGS, REPAIRS, decode_legacy, encode_legacy
from .legacy_codecs import CONT, CP1252_BYTE, CP1252_RUN, DECODE, TONE_MARKS, VIETNAMESE_LETTERS, VOWELS
from .legacy_codecs import byte_class, cp1252_view, data_lines, decode_bytes, fix_utf8, line_of, start_of_line
from .legacy_codecs import nfc, utf8, via_cp1252, viqr_decode
from .legacy_scan import Scanner

__all__ = ["LEGACY_ENCODINGS", "MISDECODINGS", "REPAIRS", "Detection", "decode_legacy", "encode_legacy", "repair"]
__all__ += ["detect_bytes", "detect_text"]


# Detection reads at most this much of a file: a news page is far smaller, and a huge file stays cheap.
_SCAN_LIMIT = 2_000_000


# ---------------------------------------------------------------------------------------------------------
# Repair.

_CAPS_WORD = re.compile(r"[^\W\d_]{2,}")


def _restore_caps(text: str) -> str:
    """TCVN3 has no capitals with a tone: a word with capitals, no ASCII lowercase letter and not in title
    case ("TRùC", "®¶O") was typed in capitals, so its lowercase letters become capitals too."""

    def fix(m: re.Match) -> str:
        w = m.group()
        if any(c.isupper() for c in w) and not any(c.isascii() and c.islower() for c in w) and not w.istitle():
            return w.upper()
        return w

    return _CAPS_WORD.sub(fix, text)


def repair(data: bytes, encoding: str) -> str:
    """Convert a whole file to NFC str.

    An encoding in LEGACY_ENCODINGS decodes the bytes; "utf8-as-cp1252", "tcvn3-as-cp1252" and
    "vni-as-cp1252" undo the mis-decoding of UTF-8 text (re-encode as cp1252, then decode properly).
    Raises ValueError naming the byte offset when the bytes do not fit.

    Beyond a plain decode: TCVN3 words otherwise in capitals get their toned letters in capitals too
    ("TRùC" -> "TRỰC"); "utf8-as-cp1252" rewrites only the mis-decoded sequences, so a file that is
    partly right stays right; VIQR leaves a word as it is when reading it as VIQR would not give
    Vietnamese syllables ("e.g.", "example.vn", an e-mail address).
    """
    if encoding in ("cp1258", "vni"):
        return decode_legacy(data, encoding)
    if encoding == "tcvn3":
        return _restore_caps(decode_legacy(data, encoding))
    if encoding not in REPAIRS:
        raise ValueError(f"unknown encoding {encoding!r}; known: {', '.join(REPAIRS)}")
    text = utf8(data, encoding)
    if encoding == "viqr":
        return nfc(_TOKEN.sub(lambda m: _viqr_word(m.group()), text))
    if encoding == "utf8-as-cp1252":
        return nfc(fix_utf8(text)[0])
    legacy = encoding.split("-")[0]
    fixed = via_cp1252(text, legacy)
    return nfc(_restore_caps(fixed) if legacy == "tcvn3" else fixed)


def _viqr_word(word: str) -> str:
    """A word read as VIQR; but when that gives a malformed Vietnamese word and the word has no vowel mark
    and no đ, its tone marks were punctuation ("e.g.", "example.vn", "a.m.") and it stays as it is."""
    if not word.isascii():
        return word
    decoded = viqr_decode(word)
    if decoded == word or _quality(decoded)[1] == 0 or _VIQR_UNMISTAKABLE.search(word):
        return decoded
    return word


_VIQR_VOWEL_MARKED = r"[aeoAEO]\^|[aA]\(|[ouOU]\+"
_VIQR_UNMISTAKABLE = re.compile(_VIQR_VOWEL_MARKED + r"|(?:^|[^A-Za-z])(?:[dD][dD]|[dD]-[A-Za-z])")


# ---------------------------------------------------------------------------------------------------------
# Is this a Vietnamese syllable?

_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
_RHYMES = " ".join(data_lines("rhymes.txt")).split()
_SYLLABLE = re.compile(f"(?:{_INITIALS})?(?P<rhyme>{'|'.join(sorted(_RHYMES, key=len, reverse=True))})")
_TONE_OF = {mark: tone for tone, mark in TONE_MARKS.items()}
_syllable_cache: dict[str, bool] = {}


def _is_syllable(word: str) -> bool:
    """A well-formed Vietnamese syllable in one consistent case (either tone placement is accepted)."""
    hit = _syllable_cache.get(word)
    if hit is None:
        hit = _syllable_cache[word] = _check_syllable(word)
        if len(_syllable_cache) > 100_000:
            _syllable_cache.clear()
    return hit


def _check_syllable(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [_TONE_OF[c] for c in decomposed if c in _TONE_OF]
    if len(tones) > 1:
        return False
    base = nfc("".join(c for c in decomposed if c not in _TONE_OF))
    if not base.isalpha():
        return False
    if not (base.islower() or base.isupper() or (base[0].isupper() and base[1:].islower())):
        return False
    m = _SYLLABLE.fullmatch(base.lower())
    if m is None:
        return False
    if tones and m.group("rhyme").endswith(("c", "ch", "p", "t", "k")):
        return tones[0] in ("acute", "dot")  # a stop-final syllable takes no other tone
    return True


_LETTER_RUN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
# Non-ASCII punctuation (and the invisible BOM and zero-width characters) that may touch a word without
# making it suspect.
_NEUTRAL = frozenset("\u00a0“”‘’‚„«»‹›–—…•·°′″¡¿€\ufeff\u200b\u200c\u200d\u2060")


def _has_vowel(word: str) -> bool:
    return any(unicodedata.normalize("NFD", c)[0] in VOWELS for c in word)


def _quality(token: str) -> tuple[int, int, int]:
    """(well-formed Vietnamese words, malformed ones, length of the longest well-formed one) in a token.

    Only words with a non-ASCII letter and a vowel count (an acronym such as "HĐND" is neither); "đ" alone
    (the abbreviation of đồng) is well-formed; a non-ASCII sign stuck to a letter ("®¶o") is malformed.
    """
    good = bad = longest = 0
    for m in _LETTER_RUN.finditer(token):
        w = m.group()
        if w.isascii():
            continue
        if _is_syllable(w) or w in ("đ", "Đ"):
            good += 1
            longest = max(longest, len(w))
        elif _has_vowel(w):
            bad += 1
    if not token.isascii():
        n = len(token)
        for i, c in enumerate(token):
            if ord(c) > 0x7F and c not in _NEUTRAL and not (c.isalpha() or unicodedata.combining(c)):
                if (i > 0 and token[i - 1].isalpha()) or (i + 1 < n and token[i + 1].isalpha()):
                    bad += 1
    return good, bad, longest


# ---------------------------------------------------------------------------------------------------------
# Detection.


@dataclass(frozen=True)
class Detection:
    encoding: str  # a name from REPAIRS: pass it to repair()
    confidence: float  # 0..1
    line: int  # 1-based line of the first evidence
    column: int  # 1-based column (characters for text, bytes+1 for bytes) of the first evidence
    sample: str  # a short excerpt of the evidence as the user would see it in an editor


_TOKEN = re.compile(r"[^ \t\r\n\f\v]+")
_VIQR_HINT = re.compile(r"[(^+'`?~.\\-]|[dD][dD]")
# A VIQR word is evidence only when its marks cannot be English punctuation: a vowel mark, đ, or a tone
# mark followed by a letter ("tru+.c", "d-a?o", "la`m"); not "so?", "me.", "I'm", "a.m.", "e.g.".
_VIQR_STRONG = re.compile(_VIQR_UNMISTAKABLE.pattern + r"|[aeiouyAEIOUY]['`?~.][A-Za-z]")
_VIQR_NOT_EVIDENCE = re.compile(r"(?:[A-Za-z]\.){2,}|[Ii]'m")


def _transform(token: str, candidate: str) -> tuple[str | None, bool]:
    """The token as `candidate`'s repair would make it (None: the candidate cannot apply), and whether the
    change is one a genuine text cannot produce by accident."""
    if candidate == "utf8-as-cp1252":
        fixed, long_ones = fix_utf8(token)
        return fixed, long_ones > 0
    if candidate == "viqr":
        if not token.isascii():
            return None, False
        decoded = viqr_decode(token)
        ok = _VIQR_STRONG.search(token) is not None and _VIQR_NOT_EVIDENCE.fullmatch(token.strip(",;:!?()\"")) is None
        return decoded, ok
    m = CP1252_RUN.fullmatch(token)
    if m is None:
        return None, False
    return via_cp1252(token, candidate.split("-")[0]), True


def _judge(token: str, candidate: str) -> str:
    """What the token says about the candidate: 'for', 'sure' (for, and no accident of genuine text),
    'against', 'unexplained' or 'neutral'."""
    good, bad, _ = _quality(token)
    as_is = good > 0 and bad == 0
    new, strong = _transform(token, candidate)
    if new is None or new == token:
        return "against" if as_is else ("unexplained" if bad else "neutral")
    ngood, nbad, longest = _quality(new)
    if candidate == "utf8-as-cp1252" and strong and not nbad:
        return "sure"  # a 3-byte sequence put right: "á»«" is ừ, "â€œ" is “
    if nbad or not ngood:
        return "against" if as_is else "unexplained"
    if as_is or longest < 2 or (candidate == "viqr" and not strong):
        return "neutral"
    return "for"


_ORDER = ("utf8-as-cp1252", "tcvn3-as-cp1252", "vni-as-cp1252", "viqr")


@lru_cache(maxsize=262_144)
def _verdicts(token: str) -> tuple[str, ...]:
    """A word's verdict for each text candidate. Cached across texts: news vocabulary repeats a lot."""
    return tuple(_judge(token, name) for name in _ORDER)


def _relevant(token: str) -> bool:
    return not token.isascii() or _VIQR_HINT.search(token) is not None


# The shortcut of detect_text: find, cheaply, the few words that can be evidence (verdict 'for' or 'sure')
# and judge only those. A word can be evidence
# - for UTF-8 read as cp1252 only with a `_UTF8_MOJIBAKE` sequence in it: a `_LEAD`, then a `CONT` character;
# - for VIQR only with a `_VIQR_STRONG` mark in it (whose "^", the start of the word, is: after no ASCII letter);
# - for TCVN3 or VNI read as cp1252 only when it is all Windows-1252 and malformed as it stands. Then it has an
#   `_ODD` character (neither a Latin-1 Vietnamese letter nor punctuation that `_quality` holds neutral and
#   both repairs keep), or its malformed word is a `_LATIN1_WORD` (ASCII and Latin-1 Vietnamese letters) that
#   is no syllable.
# `_spots` finds a character of each such word: `_CLUE` matches one (keep it in step with `_VIQR_STRONG`), and
# `_LATIN1_WORD` a run of letters. Most text has no spot at all, and `_clues` finds that out in one compiled
# walk (legacy_scan.py), looking up only the Latin-1 words not yet known to be syllables.
_LATIN1 = "".join(sorted(c for c in CP1252_BYTE if c in VIETNAMESE_LETTERS))  # À Á Â Ã È É Ê Ì Í ... ý
_KEPT = [c for c, b in CP1252_BYTE.items() if c in _NEUTRAL and all(DECODE[e].get(b) == c for e in DECODE)]
_ODD = "".join(re.escape(c) for c in sorted(CP1252_BYTE) if c not in _LATIN1 and c not in _KEPT)
_LEAD = byte_class(0xC2, 0xF4)
_CLUE = re.compile(
    f"[{_ODD}{CONT[1:-1]}\\^(+'`?~.dD]"  # one character, which is
    f"(?:(?<=[{_ODD}])"  # odd,
    f"|(?<={_LEAD}{CONT})"  # or the second of a UTF-8 sequence read as cp1252,
    r"|(?<=[aeoAEO]\^|[aA]\(|[ouOU]\+)|(?<=[aeiouyAEIOUY]['`?~.])(?=[A-Za-z])"  # or a VIQR mark on a vowel,
    r"|(?<=[dD])(?=[dD]|-[A-Za-z])(?<![A-Za-z][dD]))"  # or the start of a VIQR đ
)
_LATIN1_WORD = re.compile(f"(?<![A-Za-z])[A-Za-z]*+[{_LATIN1}][A-Za-z{_LATIN1}]*")
_LATIN1_SYLLABLES: set[str] = set()  # the Latin-1 words seen that are syllables (a bounded set)
_SCANNER = Scanner(f"[{_ODD}]", CONT, _LEAD, _LATIN1)


def _odd_words(words: set[str]) -> set[str]:
    """The words (`_LATIN1_WORD`s) that are no syllable; the syllables are remembered."""
    words = words - _LATIN1_SYLLABLES
    if words:
        syllables = {w for w in words if _is_syllable(w)}
        _LATIN1_SYLLABLES.update(syllables)
        _SCANNER.learn(syllables)
        words -= syllables
    return words


def _spots(text: str) -> list[int]:
    """Where `_CLUE` and the `_LATIN1_WORD`s that are no syllable start."""
    spots = [m.start() for m in _CLUE.finditer(text)]
    odd = _odd_words(set(_LATIN1_WORD.findall(text)))
    spots += [m.start() for m in _LATIN1_WORD.finditer(text) if m.group() in odd] if odd else []
    return spots


def _clues(scan: str) -> bool:
    """Whether some word of scan is evidence for some candidate; when none is, detect_text finds nothing."""
    found = _SCANNER.scan(scan)  # None: a `_CLUE` character (or a character the walk leaves to the patterns)
    if found is None:
        spots = _spots(scan)
    else:  # no `_CLUE` character: the spots are the words that are no syllable
        odd = _odd_words(found.new_words())
        if not odd:
            return False  # no spot: no word can be evidence
        spots = found.starts(odd)
    end = 0
    for pos in sorted(spots):
        if pos >= end:  # a word not looked at yet
            start = max(scan.rfind(sep, end, pos) for sep in " \t\r\n\f\v") + 1
            end = _TOKEN.match(scan, pos).end()
            word = scan[start:end]
            if _relevant(word) and any(v in ("for", "sure") for v in _verdicts(word)):
                return True
    return False


def _excerpt(line: str, start: int, width: int = 40) -> str:
    """From `start` to about `width` characters on, ending at a word boundary."""
    piece = line[start : start + width]
    if start + width < len(line) and " " in piece.strip():
        piece = piece[: piece.rstrip().rfind(" ")]
    return piece.strip()


def _decide(counts: dict[str, dict[str, int]], order: tuple[str, ...]) -> tuple[str, float] | None:
    best = None
    for name in order:
        c = counts[name]
        s, against, unexplained = c["for"] + c["sure"], c["against"], c["unexplained"]
        if not ((s >= 2 and s >= against and s >= unexplained) or c["sure"] >= 2):
            continue
        confidence = s / (s + against + unexplained) * (1 - 0.5**s)
        confidence = round(max(confidence, 1 - 0.5 ** c["sure"]), 3)  # a 3-byte mis-decoding is no accident
        if best is None or (s, confidence) > best[2]:
            best = (name, confidence, (s, confidence))
    return None if best is None else best[:2]


def detect_text(text: str) -> Detection | None:
    """For valid UTF-8 text: mojibake or legacy text that survived as Unicode, or None.

    Candidates: UTF-8 read as cp1252 ("Lá»«a Ä‘áº£o"), TCVN3 bytes read as cp1252 ("Lõa ®¶o trùc tuyÕn"),
    VNI read as cp1252 ("Löøa ñaûo tröïc tuyeán"), VIQR ("Lu+`a d-a?o tru+.c tuye^'n"). The encoding
    returned is the name `repair` takes: "utf8-as-cp1252", "tcvn3-as-cp1252", "vni-as-cp1252" or "viqr".

    Each word (a run between spaces) is judged for each candidate: *for* when the candidate's repair turns it
    into well-formed Vietnamese (one word of two letters or more) and it is not well-formed as it stands;
    *against* when it is well-formed Vietnamese as it stands and the repair cannot keep it so; *unexplained*
    when it has non-ASCII characters and is well-formed neither way. Words that are well-formed both ways
    ("có", "hòa") and single letters are neutral. A VIQR word counts only with a mark no English
    punctuation makes (see `_VIQR_STRONG`). A candidate is detected with at least 2 words for it and no
    fewer than against it, and no fewer than unexplained; UTF-8 read as cp1252 is also detected on 2
    mis-decoded 3-byte sequences ("á»«", "â€œ") alone, as genuine text has none. The candidate with most
    words for it wins; confidence = for / (for + against + unexplained) x (1 - 0.5^for), for UTF-8 read as
    cp1252 at least 1 - 0.5^(3-byte sequences). Line and column are those of the first changed character of
    the first word for it (the first non-ASCII one for mojibake); the sample starts at that word.

    Text in which no word can be evidence for any candidate (see `_clues`), ordinary Unicode Vietnamese
    above all, is answered None without judging each word.
    """
    if not _clues(text[:_SCAN_LIMIT]):  # text that is plainly Unicode: no word needs judging
        return None
    return _detect_text(text)


def _detect_text(text: str) -> Detection | None:
    """detect_text without its shortcut: every word judged."""
    scan = text[:_SCAN_LIMIT]
    order = _ORDER
    counts = {name: dict.fromkeys(("for", "sure", "against", "unexplained", "neutral"), 0) for name in order}
    first: dict[str, tuple[int, str]] = {}
    for m in _TOKEN.finditer(scan):
        token = m.group()
        if not _relevant(token):
            continue
        for name, verdict in zip(order, _verdicts(token)):
            counts[name][verdict] += 1
            if verdict in ("for", "sure") and name not in first:
                first[name] = (m.start(), token)
    best = _decide(counts, order)
    if best is None:
        return None
    name, confidence = best
    start, token = first[name]
    if name == "viqr":
        new = viqr_decode(token)
        k = next((i for i, (a, b) in enumerate(zip(token, new)) if a != b), 0)
    else:
        k = next(i for i, c in enumerate(token) if ord(c) > 0x7F)
    pos = start + k
    line_start = start_of_line(text, pos)
    column = pos - line_start + 1 - (1 if line_start == 0 and text.startswith("\ufeff") else 0)
    line_end = min((i for i in (text.find("\n", pos), text.find("\r", pos)) if i >= 0), default=len(text))
    sample = _excerpt(text[line_start:line_end], start - line_start)
    return Detection(name, confidence, line_of(text, pos), column, sample)


def detect_bytes(data: bytes) -> Detection | None:
    """For bytes that are NOT valid UTF-8: the legacy encoding they most likely are (cp1258, tcvn3, vni),
    or None when nothing fits.

    Each word with a byte >= 0x80 is decoded with each candidate: *for* when that gives well-formed
    Vietnamese (one word of two letters or more, see `_is_syllable`), *against* when it gives a malformed
    word or a byte has no mapping; words of one letter or with no letter beyond ASCII are neutral. A
    candidate fits with a share for/(for + against) of at least 0.6 and at least 2 words for it (1 when
    nothing is against it); the best share wins (then the most words). confidence = share x (1 - 0.5^for).
    Line and column (bytes, 1-based) are those of the first byte >= 0x80 of the first word for it; the
    sample, from that word on, is the line as an editor that reads the file as Windows-1252 shows it.
    """
    scan = data[:_SCAN_LIMIT]
    order = ("cp1258", "tcvn3", "vni")
    counts = {name: [0, 0] for name in order}
    first: dict[str, int] = {}
    seen: dict[bytes, tuple[str, ...]] = {}
    for m in re.finditer(rb"[^ \t\r\n\f\v]+", scan):
        token = m.group()
        if token.isascii():
            continue
        verdicts = seen.get(token)
        if verdicts is None:
            verdicts = tuple(_judge_bytes(token, name) for name in order)
            if len(seen) < 200_000:
                seen[token] = verdicts
        for name, verdict in zip(order, verdicts):
            if verdict == "for":
                counts[name][0] += 1
                first.setdefault(name, m.start() + next(i for i, b in enumerate(token) if b > 0x7F))
            elif verdict == "against":
                counts[name][1] += 1
    best = None
    for name in order:
        s, a = counts[name]
        share = s / (s + a) if s + a else 0.0
        if share < 0.6 or not (s >= 2 or (s >= 1 and a == 0)):
            continue
        if best is None or (share, s) > best[1]:
            best = (name, (share, s))
    if best is None:
        return None
    name, (share, s) = best
    pos = first[name]
    line_start = start_of_line(data, pos)
    line_end = min((i for i in (data.find(b"\n", pos), data.find(b"\r", pos)) if i >= 0), default=len(data))
    word_start = max(data.rfind(sep, line_start, pos) for sep in (b" ", b"\t")) + 1
    word_start = max(word_start, line_start)
    sample = _excerpt(cp1252_view(data[line_start:line_end]), word_start - line_start)
    return Detection(name, round(share * (1 - 0.5**s), 3), line_of(data, pos), pos - line_start + 1, sample)


def _judge_bytes(token: bytes, encoding: str) -> str:
    text = decode_bytes(token, encoding, "replace")
    good, bad, longest = _quality(text)
    if "\ufffd" in text or bad:
        return "against"
    return "for" if longest >= 2 else "neutral"  # no Vietnamese word ("“OTP”"), or one letter: neutral
