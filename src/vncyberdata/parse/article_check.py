"""Is a parse an article? The judgement made after a page is parsed, before it may become a record: the
title must be a headline (not residue, a menu label, a breadcrumb, a date, the publisher's name or slogan,
a banner) and the text under it must be prose with at most one menu-label paragraph. A parse that fails is
dropped as `no_article` (parse.py), so a garbage title never decides an id."""

from __future__ import annotations

from . import dates
from .chrome import ChromeTable
from .locate import fold, is_breadcrumb, is_label, is_prose, is_publisher, is_residue, parts, vietnamese_share

LABEL_PARAGRAPHS_MAX = 1  # menu-label paragraphs a body may hold (one list item of a few words happens)
PROSE_SHARE_MIN = 0.5  # share of the article's text in prose paragraphs


def title_problem(title: str, table: ChromeTable, publisher_key: str = "") -> str | None:
    """Why `title` cannot be an article's headline, or None. Looser than `is_headline` (short headlines and
    headlines ending in a full stop exist); it rejects what is never a headline. The language is judged
    elsewhere (the build's language step), so a foreign page is dropped as such, not as "no article"."""
    letters = sum(map(str.isalpha, title))
    if letters < 10:
        return f"the title {title[:60]!r} has too few letters to be a headline"
    if is_residue(title) or is_label(title) or table.match_clean(title) is not None:
        return f"the title {title[:60]!r} is a menu label, a button or site furniture"
    if is_breadcrumb(title) or dates.parse_date_line(title) is not None:
        return f"the title {title[:60]!r} is a breadcrumb or a date"
    if publisher_key and (is_publisher(title, publisher_key) or _names_site(title, publisher_key)):
        return f"the title {title[:60]!r} is the publisher's name or slogan"
    tokens = title.split()
    if letters >= 10 and len(tokens) > 12 and all(map(str.isupper, filter(str.isalpha, title))):
        return f"the title {title[:60]!r} is an all-capitals banner"
    # a token is a word when at least half of it is letters (most tokens: all of it)
    if sum(1 for t in tokens if t.isalpha() or sum(map(str.isalpha, t)) * 2 >= len(t)) * 2 < len(tokens):
        return f"the title {title[:60]!r} is not mostly words"
    return None


def _names_site(title: str, publisher_key: str) -> bool:
    """"Site - slogan" or "slogan | Site": the publisher's name as one part of a line cut by separators."""
    pieces = parts(title)
    return len(pieces) > 1 and publisher_key in [fold(p) for p in pieces]


def article_problem(title: str, paragraphs: list[str], table: ChromeTable, publisher_key: str = "",
                    known_prose: dict[str, bool] | None = None) -> str | None:
    """Why a parse is not an article (title, prose share, menu labels in the body), or None. A text that is
    not Vietnamese is left to the build's language step, which drops it under its own reason.
    `known_prose`: `is_prose` of some of the paragraphs, when the caller has judged them already."""
    if vietnamese_share(" ".join([title, *paragraphs])[:2000]) < 0.2:
        return None
    problem = title_problem(title, table, publisher_key)
    if problem:
        return problem
    labels = [p for p in paragraphs if is_label(p) or is_residue(p)]
    if len(labels) > LABEL_PARAGRAPHS_MAX:
        return f"{len(labels)} paragraphs are menu labels or buttons (e.g. {labels[0][:40]!r})"
    total = sum(len(p) for p in paragraphs)
    need = PROSE_SHARE_MIN * total
    prose = 0
    for p in sorted(paragraphs, key=len, reverse=True):  # the longest first: most articles are settled early
        if prose >= need:
            break
        known = known_prose.get(p) if known_prose else None
        if known if known is not None else is_prose(p):
            prose += len(p)
    if total and prose < need:
        return f"only {prose / total:.0%} of the text under the title is in sentence-like paragraphs"
    return None
