"""Redaction of private contact and account data in Vietnamese news text.

`find_pii` returns typed spans; `redact` replaces each span with "[PHONE]", "[EMAIL]", "[ID_NUMBER]",
"[BANK_ACCOUNT]" or "[CARD_NUMBER]" and leaves every other character as it was. Names are never touched.

How numbers are read
--------------------
1. E-mail addresses are found first; URLs and bare domains (``nhandan.vn/…``) are protected, so digits in
   them are never PII.
2. A *chunk* is a maximal run of ASCII digit groups joined by one separator each (space, NBSP, ".", "-"),
   optionally led by "+84", "(+84)" or an area code in brackets "(028)". A digit run glued to a word on the
   left ("A0912…", "_123") is ignored; glued on the right ("1A", "15h30", "2.500.000.000đ", "12%",
   "1234/QĐ") the chunk loses its last space-separated group, or is ignored when there is none. Groups that
   touch an e-mail, URL or placeholder are dropped.
3. A chunk may hold several numbers ("năm 2025 0912345678"), so it is cut only at spaces (and after a
   bracketed prefix) into *segments*; from left to right the longest segment (at most 6 groups) that one
   of the rules below accepts is taken.
4. Guards, checked before any rule: fewer than 8 or more than 19 digits; all digits the same; a one-digit
   group inside a grouped number ("1.5 0912…"); Vietnamese thousands ("12.345.678"); dates ("08.07.2025",
   "2025-08-07"); year ranges ("2026-2031"); IPv4 ("192.168.100.101"); money - a segment that ends where a
   currency word follows ("đồng", "đ", "VND", "USD", "tỷ", "triệu", …) unless it starts with 0 or "+",
   a whole chunk written in thousands before a currency word ("1 000 000 000 đồng"), a chunk led by "$"
   or "USD".
5. Context keywords within 50 characters before the segment (a digit run, an e-mail or a placeholder in
   between counts as one character; never across a line break), nearest first:
   ID (CCCD, CMND, căn cước, chứng minh nhân dân, số định danh …) fits 9 or 12 digits; CARD (thẻ,
   số thẻ, Visa, Mastercard …) fits 13-19; BANK (số tài khoản, STK, tài khoản số, tài khoản ngân hàng,
   TK, and "tài khoản" right before the number) fits 8-16. The first that fits decides. "MST",
   "mã số thuế" and "mã số doanh nghiệp" (a company's tax code) stop the search: the segment is left alone.
6. Rule order: hotline (1800/1900 + 4-6 digits) -> the context decision -> phone shapes (mobile 0[35789] +
   8 digits, +84/84 forms, landline 02 + 8-9 digits, bracketed area code) -> Luhn-valid card in groups
   of four (or 4-6-5) or 16 bare digits -> a bank name nearby (Vietcombank, BIDV, MB, …) with 8-16 digits
   -> any other Luhn-valid bare run of 13-19 digits as a card -> ID by shape (a bare 9- or 12-digit run,
   or 4-4-4 that looks like a CCCD).

Idempotence: placeholders hold no digits and no "@", and a placeholder counts as one character in the
context window exactly like the digit run it replaced, so a second pass finds nothing new.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import numba
import numpy as np

from .normalize import bmp_codes, plane_table

PII_TYPES = ("PHONE", "EMAIL", "ID_NUMBER", "BANK_ACCOUNT", "CARD_NUMBER")
# Every match holds an "@" or at least 8 digits joined by single separators (the guards refuse fewer):
# text without either is skipped before any real work.
MAYBE_PII = re.compile("@|\\d(?:[ .\\-\u00a0\u202f]?\\d){7,}")
_DIGIT_RUN = re.compile(MAYBE_PII.pattern.removeprefix("@|"))  # MAYBE_PII without its "@": a text is
# searched for "@" apart (in C), and the run's pattern, led by \d, scans faster than the alternation

_SEP = "[ .\\-\u00a0\u202f]"
_SPACE_SEPS = frozenset(" \u00a0\u202f")
_MAX_GROUPS = 6
_WINDOW = 50

_PLACEHOLDER = re.compile(r"\[(?:PHONE|EMAIL|ID_NUMBER|BANK_ACCOUNT|CARD_NUMBER)\]")
_EMAIL = re.compile(
    r"(?<![\w.%+\-@])[A-Za-z0-9_](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-@])"
)
_TLDS = "vn|com|net|org|gov|edu|info|biz|io|me|xyz|top|app|online|site|co|tv|asia|cc"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"“”]+"
    r"|(?<![\w@.\-])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+(?:" + _TLDS + r")(?![\w\-])"
    r"(?:/[^\s<>\"“”]*)?",
    re.IGNORECASE,
)
_CHUNK = re.compile(
    r"(?:(?<![\w+])(?=[0-9])|(?=[(+]))"  # a bare digit run must not be glued to a word on its left
    r"(?>\(\+84\)" + _SEP + r"?[0-9]+|\(0[0-9]{1,3}\)" + _SEP + r"?[0-9]+|\+84[0-9]*|[0-9]+)"
    r"(?>(?:" + _SEP + r"[0-9]+)*)"
)
_GROUP = re.compile(r"\(\+84\)|\(0[0-9]{1,3}\)|\+84[0-9]*|[0-9]+")
# What glues a chunk to the next token: a letter or digit, a percent sign, or "/" before a letter (1234/QĐ)
# or before a placeholder (which stood for a word, e.g. an e-mail: keeps a second pass from changing more).
_GLUED = re.compile(r"[\w%‰]|/(?:[^\W\d_]|\[(?:PHONE|EMAIL|ID_NUMBER|BANK_ACCOUNT|CARD_NUMBER)\])")
_MONEY_AFTER = re.compile(
    r"[ \u00a0]?(?:(?:đồng|đ|vnđ|vnd|usd|usdt|eur|euro|tỷ|tỉ|triệu|nghìn|ngàn|trăm|đô|won|yên"
    r"|bảng|btc|bitcoin)(?!\w)|[$€£¥₫])",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(r"(?:[$€£¥₫]|(?<!\w)(?:US\$|VND|VNĐ|USD|EUR)[ \u00a0]?)$")
_THOUSANDS = re.compile(r"[1-9][0-9]{0,2}(?:([ .\u00a0])[0-9]{3})(?:\1[0-9]{3})*")
_CCCD = re.compile(r"0(?:0[1-9]|[1-8][0-9]|9[0-6])[0-9]{9}")

_ID, _CARD, _BANK, _BANK_NAME, _BLOCK = "ID_NUMBER", "CARD_NUMBER", "BANK_ACCOUNT", "BANK_NAME", "BLOCK"
_FITS = {_ID: lambda n: n in (9, 12), _CARD: lambda n: 13 <= n <= 19, _BANK: lambda n: 8 <= n <= 16}


def _words(alternatives: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)", flags)


# (pattern, kind, window in effective characters)
_KEYWORDS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (_words(r"cccd|cmnd|cmt|căn cước(?: công dân)?|chứng minh nhân dân|chứng minh thư"
            r"|số định danh(?: cá nhân)?|mã định danh|định danh cá nhân"), _ID, _WINDOW),
    (_words(r"(?:số )?thẻ(?: tín dụng| ghi nợ| ATM| ngân hàng| visa| master ?card)?"
            r"|visa|master ?card|jcb|amex"), _CARD, _WINDOW),
    # longest first: finditer does not return overlapping matches of one pattern
    (_words(r"số (?:tài khoản|tk)(?: ngân hàng| thanh toán)?|stk"
            r"|tài khoản (?:số|ngân hàng|thanh toán|nhận tiền)"), _BANK, _WINDOW),
    (_words(r"TK", 0), _BANK, _WINDOW),
    (_words(r"tài khoản"), _BANK, 3),  # "vào tài khoản 0071000123456", but not "1.200 tài khoản"
    (_words(r"vietcombank|techcombank|agribank|vietinbank|sacombank|tpbank|vpbank|mbbank|mb bank|hdbank"
            r"|seabank|eximbank|lpbank|shinhan ?bank"), _BANK_NAME, _WINDOW),
    (_words(r"BIDV|MB|ACB|SHB|VIB|OCB|MSB|SCB|VCB", 0), _BANK_NAME, _WINDOW),
    (_words(r"MST", 0), _BLOCK, _WINDOW),
    (_words(r"mã số thuế|mã số doanh nghiệp|mã doanh nghiệp"), _BLOCK, _WINDOW),
)


@dataclass(frozen=True)
class _Keyword:
    end: int
    kind: str
    window: int


@dataclass(frozen=True)
class _Segment:
    groups: tuple[str, ...]
    seps: tuple[str, ...]
    digits: str
    lead: str  # "intl" (+84 / (+84)), "paren" ((028)) or "plain"
    money_after: bool  # a currency word follows the segment


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect_right(spans, (start, float("inf"))) - 1
    for s, e in spans[max(i, 0):]:
        if s >= end:
            return False
        if e > start and s < end:
            return True
    return False


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _guarded(seg: _Segment) -> bool:
    """True when the segment cannot be PII whatever the context says."""
    d, g, seps = seg.digits, seg.groups, seg.seps
    if not 8 <= len(d) <= 19 or len(set(d)) == 1:
        return True
    if seg.lead == "plain" and seg.money_after and not d.startswith("0"):
        return True
    plain = g if seg.lead == "plain" else g[1:]
    if len(g) > 1 and any(len(x) < 2 for x in plain):
        return True
    if seg.lead != "plain":
        return False
    if seps and all(s == "." for s in seps):
        if re.fullmatch(r"[1-9][0-9]{0,2}", g[0]) and all(len(x) == 3 for x in g[1:]):
            return True  # 12.345.678
        if len(g) == 4 and all(len(x) <= 3 for x in g):
            return True  # IPv4
    if len(g) == 3 and seps[0] == seps[1] and seps[0] in ".-":
        sizes = tuple(len(x) for x in g)
        if sizes in ((2, 2, 4), (4, 2, 2)):
            day, month = (g[0], g[1]) if sizes[0] == 2 else (g[2], g[1])
            if 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
                return True  # 08.07.2025, 2025-08-07
    if len(g) == 2 and seps[0] == "-" and all(re.fullmatch(r"(?:18|19|20)[0-9]{2}", x) for x in g):
        return True  # 2026-2031
    return False


def _phone_shape(seg: _Segment) -> str | None:
    """"hotline", "phone" or None."""
    d, g = seg.digits, seg.groups
    if seg.lead == "intl":
        rest = d[2:]
        ok = (len(rest) == 9 and rest[0] in "35789") or (len(rest) == 10 and rest[0] == "2")
        return "phone" if ok and all(2 <= len(x) <= 10 for x in g[1:]) else None
    if seg.lead == "paren":
        if d[1] == "2" and len(d) in (10, 11) or d[1] in "35789" and len(d) == 10:
            return "phone"
        return None
    if len(g) == 1:
        if re.fullmatch(r"1[89]00[0-9]{4,6}", d):
            return "hotline"
        if re.fullmatch(r"0[35789][0-9]{8}|02[0-9]{8,9}|84[35789][0-9]{8}", d):
            return "phone"
        return None
    if g[0] in ("1800", "1900") and 8 <= len(d) <= 10 and all(2 <= len(x) <= 4 for x in g[1:]):
        return "hotline"
    if 2 <= len(g[0]) <= 4 and all(2 <= len(x) <= 7 for x in g[1:]):
        if re.fullmatch(r"0[35789][0-9]{8}|02[0-9]{8,9}", d):
            return "phone"
    return None


def _card_shape(seg: _Segment) -> bool:
    d, g, seps = seg.digits, seg.groups, seg.seps
    if not 13 <= len(d) <= 19 or not _luhn(d):
        return False
    if len(g) == 1:
        return True
    if len(set(seps)) != 1:
        return False
    sizes = [len(x) for x in g]
    return all(n == 4 for n in sizes[:-1]) and 1 <= sizes[-1] <= 4 or sizes == [4, 6, 5]


def _id_shape(seg: _Segment) -> bool:
    d, g = seg.digits, seg.groups
    if len(g) == 1:
        return len(d) in (9, 12)
    return len(set(seg.seps)) == 1 and [len(x) for x in g] == [4, 4, 4] and bool(_CCCD.fullmatch(d))


def _classify(seg: _Segment, contexts: list[_Keyword]) -> str | None:
    if _guarded(seg):
        return None
    if seg.lead != "plain":
        return "PHONE" if _phone_shape(seg) else None
    n = len(seg.digits)
    decided, bank_name = None, False
    for kw in contexts:
        if kw.kind == _BLOCK:
            return None
        if kw.kind == _BANK_NAME:
            bank_name = True
        elif _FITS[kw.kind](n):
            decided = kw.kind
            break
    shape = _phone_shape(seg)
    if shape == "hotline":
        return "PHONE"
    if decided:
        return decided
    if shape:
        return "PHONE"
    card = _card_shape(seg)
    if card and (len(seg.groups) > 1 or n == 16):
        return _CARD  # grouped in fours, or the usual 16 digits: a card even next to a bank's name
    if bank_name and _FITS[_BANK](n):
        return _BANK
    if card:
        return _CARD
    if _id_shape(seg):
        return _ID
    return None


class _Scanner:
    """Everything find_pii needs about one text: protected spans, keywords and the context distance."""

    def __init__(self, text: str):
        self.text = text
        self.emails = [(m.start(), m.end()) for m in _EMAIL.finditer(text)]
        placeholders = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
        self.chunks = list(_CHUNK.finditer(text))
        protected = self.emails + placeholders + [(m.start(), m.end()) for m in _URL.finditer(text)]
        self.protected = sorted(protected)
        # Effective distance: every chunk, e-mail and placeholder counts as one character.
        weight = [1] * (len(text) + 1)
        for s, e in self.emails + placeholders + [(m.start(), m.end()) for m in self.chunks]:
            weight[s + 1 : e] = [0] * (e - s - 1)
        self.eff = [0, *accumulate(weight)]
        self.lines = [0, *accumulate(1 if c == "\n" else 0 for c in text)]
        kws = []
        for pattern, kind, window in _KEYWORDS:
            for m in pattern.finditer(text):
                if not _overlaps(self.protected, m.start(), m.end()):
                    kws.append(_Keyword(m.end(), kind, window))
        kws.sort(key=lambda k: k.end)
        self.keywords = kws
        self.ends = [k.end for k in kws]

    def contexts(self, pos: int) -> list[_Keyword]:
        """Keywords before `pos` within their window, nearest first."""
        found = []
        for i in range(bisect_right(self.ends, pos) - 1, -1, -1):
            kw = self.keywords[i]
            if self.lines[pos] != self.lines[kw.end]:
                break
            dist = self.eff[pos] - self.eff[kw.end]
            if dist > _WINDOW:
                break
            if dist <= kw.window:
                found.append(kw)
        return found

    def chunk_spans(self, m: re.Match[str]) -> list[tuple[str, int, int]]:
        text = self.text
        start, end = m.span()
        groups = [(g.start() + start, g.end() + start) for g in _GROUP.finditer(m.group())]
        if _overlaps(self.protected, start, end):
            # an e-mail, URL or placeholder can only touch the ends of a chunk: keep the groups outside it
            groups = [(s, e) for s, e in groups if not _overlaps(self.protected, s, e)]
            if not groups:
                return []
            start, end = groups[0][0], groups[-1][1]
        if _GLUED.match(text, end):
            # glued to the next token: drop that token's group when a space separates it, else give up
            if len(groups) > 1 and text[groups[-2][1] : groups[-1][0]] in _SPACE_SEPS:
                groups.pop()
                end = groups[-1][1]
            else:
                return []
        if _MONEY_BEFORE.search(text, max(0, start - 5), start):
            return []
        money_after = bool(_MONEY_AFTER.match(text, end))
        if money_after and _THOUSANDS.fullmatch(text, start, end):
            return []
        n = len(groups)
        gtext = [text[s:e] for s, e in groups]
        seps = [text[groups[i][1] : groups[i + 1][0]] for i in range(n - 1)]
        cut = [seps[i] in _SPACE_SEPS or gtext[i].startswith("(") for i in range(n - 1)] + [True]
        spans = []
        i = 0
        while i < n:
            hit = None
            for j in range(min(n, i + _MAX_GROUPS) - 1, i - 1, -1):
                if not cut[j]:
                    continue
                g = tuple(gtext[i : j + 1])
                lead = "intl" if g[0].startswith(("+", "(+")) else "paren" if g[0].startswith("(") else "plain"
                seg = _Segment(
                    groups=g,
                    seps=tuple(seps[i:j]),
                    digits="".join(c for x in g for c in x if c.isdigit()),
                    lead=lead,
                    money_after=money_after and j == n - 1,
                )
                kind = _classify(seg, self.contexts(groups[i][0]))
                if kind:
                    hit = (j, kind)
                    break
            if hit:
                spans.append((hit[1], groups[i][0], groups[hit[0]][1]))
                i = hit[0] + 1
            else:
                i += 1
                while i < n and not cut[i - 1]:
                    i += 1
        return spans


def may_hold_pii(text: str) -> bool:
    """False when `text` cannot hold anything find_pii finds (no "@", no run of 8+ digits): a pre-filter.
    Texts joined by newlines can be checked at once, as no digit run crosses a newline. The run is looked
    for in one compiled walk over a character table that the pattern's own classes made (a test compares
    the two); a text with a character beyond the Basic Multilingual Plane, by the pattern."""
    if "@" in text:
        return True
    codes = bmp_codes(text)
    if codes is None:
        return _DIGIT_RUN.search(text) is not None
    return bool(_digit_run(codes, _run_classes(), _RUN_DIGITS))


_RUN_DIGITS = 8  # the digits of _DIGIT_RUN's shortest match


@lru_cache(maxsize=1)
def _run_classes() -> np.ndarray:
    """Each BMP character: 1 when _DIGIT_RUN's \\d takes it, 2 when it may stand between two digits of a run
    (the pattern's separators)."""
    return plane_table(((r"\d", 1), (_SEP, 2)), np.uint8)


@numba.njit(cache=True, nogil=True)
def _digit_run(codes, classes, need):  # pragma: no cover (compiled; a test compares with the pattern)
    run = 0  # digits of the run going on
    joined = False  # the character before was a separator after a digit of it
    for code in codes:
        kind = classes[code]
        if kind & 1:
            run += 1
            if run >= need:
                return True
            joined = False
        elif kind & 2 and run > 0 and not joined:
            joined = True
        else:
            run = 0
            joined = False
    return False


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """(type, start, end) spans, non-overlapping, sorted; what redact() replaces."""
    if not may_hold_pii(text):
        return []  # no "@" and no run of 8+ digits: nothing can match (most paragraphs; skips the scanner)
    return _scan_all(text)


def _scan_all(text: str) -> list[tuple[str, int, int]]:
    """find_pii without the pre-filter (the tests check the pre-filter never hides a match)."""
    scan = _Scanner(text)
    spans = [("EMAIL", s, e) for s, e in scan.emails]
    for m in scan.chunks:
        spans.extend(scan.chunk_spans(m))
    return sorted(spans, key=lambda s: s[1])


def redact(text: str) -> tuple[str, dict[str, int]]:
    """Replace private people's contact and account data with typed placeholders "[PHONE]", "[EMAIL]",
    "[ID_NUMBER]", "[BANK_ACCOUNT]", "[CARD_NUMBER]"; return the new text and a count per type (every type
    key present, 0 when none). Idempotent; never alters anything outside a match."""
    spans = find_pii(text)
    if not spans:  # most texts
        return text, dict.fromkeys(PII_TYPES, 0)
    out: list[str] = []
    counts: Counter[str] = Counter()
    pos = 0
    for kind, start, end in spans:
        out.append(text[pos:start])
        out.append(f"[{kind}]")
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    return "".join(out), {t: counts[t] for t in PII_TYPES}
