"""Photo captions and credits as Vietnamese news pages print them. One place for the patterns, so every
reader of a page (the text parser, the article locator, the HTML figures) agrees on what a credit is.

- "caption text (Ảnh: X)", "caption text. Ảnh: X", "caption text (ảnh minh họa)": a caption line with its credit;
- "Ảnh: X" / "(Ảnh minh họa)" alone on a line: the credit of the caption line above it.
"""

from __future__ import annotations

import re

MAX_CAPTION = 400  # characters; a longer line is a paragraph, whatever it ends with
CREDIT_WORD = r"(?:ảnh\s+minh\s+h(?:ọa|oạ)|nguồn\s+ảnh|ảnh|photo)"
CREDIT_IN_PARENS = re.compile(
    r"^(?P<text>.+?)\s*\(\s*" + CREDIT_WORD + r"\s*:\s*(?P<credit>[^()]{1,80}?)\s*\)\s*\.?$", re.IGNORECASE
)
CREDIT_AFTER_SENTENCE = re.compile(
    r"^(?P<text>.+?[.!?…])\s+" + CREDIT_WORD + r"\s*:\s*(?P<credit>[^.!?()]{1,60}?)\.?$", re.IGNORECASE
)
# "caption text ẢNH: X": a credit run on after the caption with no stop before it (a short credit only)
CREDIT_AFTER_TEXT = re.compile(
    r"^(?P<text>(?:[^.!?]|(?<=\d)\.(?=\d)){10,200}?)\s+" + CREDIT_WORD + r"\s*:\s*(?P<credit>[^.!?():]{1,40}?)\.?$", re.IGNORECASE
)
# "caption - Ảnh: X", as some sites print a credit after a dash
CREDIT_AFTER_DASH = re.compile(
    r"^(?P<text>.+?)\s+[-–—]\s+" + CREDIT_WORD + r"\s*:\s*(?P<credit>[^.!?()]{1,60})$", re.IGNORECASE
)
# "(ảnh minh họa)", "(Ảnh chụp màn hình)": a caption's mark of an illustration or a screenshot
_MARK = r"ảnh\s+(?:minh\s+h(?:ọa|oạ)|chụp\s+màn\s+hình)"
ILLUSTRATION_MARK = re.compile(r"^(?P<text>.+?)\s*\(\s*" + _MARK + r"\s*\)\s*\.?$", re.IGNORECASE)
CREDIT_LINE = re.compile(r"^\(?\s*" + CREDIT_WORD + r"\s*:\s*(?P<credit>[^()]{1,60}?)\s*\)?\.?$", re.IGNORECASE)
ILLUSTRATION_LINE = re.compile(r"^\(?\s*" + _MARK + r"\s*\)?\.?$", re.IGNORECASE)


# "minh họa" in every tone placement: "họa" (what clean_line writes), "hoạ", "hoa".
MINH_HOA = r"minh\s+h(?:ọa|oạ|oa)"
# In an HTML figure's caption (html_figures): the credit words above, and "ảnh minh hoa" without its tone
# mark; the figure's credit goes out as "(Ảnh: X)", which the text parser reads with the patterns above.
_WORD = r"(?P<word>" + CREDIT_WORD + r"|ảnh\s+minh\s+hoa)"
_PAREN_CREDIT = re.compile(r"^(?P<text>.*?)\s*[(\[]\s*" + _WORD + r"\s*:\s*(?P<credit>[^()\[\]]+?)\s*[)\]]\s*\.?$",
                           re.IGNORECASE)
_BARE_CREDIT = re.compile(
    r"^(?P<text>(?:.*?[.!?…\"'”’]|.*?\s[-–—|]|))\s*" + _WORD + r"\s*:\s*(?P<credit>[^()\[\]]+?)\s*\.?$", re.IGNORECASE
)
FIGURE_ILLUSTRATION = re.compile(
    r"^(?P<text>.*?)[\s\-–—|]*(?:[(\[]\s*ảnh\s+" + MINH_HOA + r"\s*[)\]]|(?<=[.!?…\s])ảnh\s+" + MINH_HOA + r")\s*\.?$",
    re.IGNORECASE,
)
FIGURE_CREDIT_ONLY = re.compile(r"^[(\[]?\s*" + _WORD + r"\s*:\s*(?P<credit>.+?)\s*[)\]]?\.?$", re.IGNORECASE)
FIGURE_CREDITS = (_PAREN_CREDIT, _BARE_CREDIT)  # "text (Ảnh: X)", "text. Ảnh: X", in that order

# Every pattern above holds one of these: a credit word and its colon, or the start of an illustration or
# screenshot mark. Lines without one are never read with them ("ảnh" alone is an everyday syllable:
# "hình ảnh", "ảnh hưởng").
# (Led by one character class, which the engine scans for; the letter found picks the rest.)
_HINT = re.compile(r"[ảẢpP](?:(?<=[ảẢ])nh(?:\s*:|\s+(?:minh\s+h|chụp\s+màn))|(?<=[pP])hoto\s*:)", re.IGNORECASE)


def may_credit(line: str) -> bool:
    """False when `line` cannot match any credit or caption pattern (one scan instead of seven). A match of
    _HINT spells "ảnh" or "photo" in some case, which a lowered line's substring search finds faster than
    the pattern's scan rules out (most lines hold neither)."""
    low = line.lower()
    return ("ảnh" in low or "photo" in low) and _HINT.search(line) is not None


def is_caption(line: str) -> bool:
    """A credit line, or a caption line carrying its credit or the "ảnh minh họa" mark."""
    if not may_credit(line):
        return False
    patterns = (CREDIT_LINE, ILLUSTRATION_LINE, CREDIT_IN_PARENS, CREDIT_AFTER_SENTENCE, CREDIT_AFTER_DASH,
                CREDIT_AFTER_TEXT, ILLUSTRATION_MARK)
    return any(p.match(line) for p in patterns)
