"""What a worker makes of one parsed page, and what the parse cache keeps (its own module so that the cache's
fingerprint covers this and not the store's code)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..parse import ids
from . import sketch
from ..parse.normalize import clean_key


@dataclass(frozen=True)
class Item:
    """One parsed page as a worker hands it over: the article as Arrow-ready Python values, its line classes,
    and what the global steps need computed where the page was parsed."""

    row: dict
    line_classes: tuple[str, ...]
    signature: np.ndarray
    content_hash: str
    headline_ids: tuple[str, ...]
    headline_splits: tuple[str, ...]  # the split of each headline id (ids.split_for)
    evidence: tuple[str, ...] = ()  # parse.Parsed.evidence, counted in the build report

    @classmethod
    def of(cls, parsed) -> "Item":
        article = parsed.article
        key = clean_key(article.body)  # once, for both the signature and the content hash
        keys = parsed.headline_keys or (None,) * len(article.related_headlines)
        headline_ids = tuple(ids.headline_id(text, k) for text, k in zip(article.related_headlines, keys, strict=True))
        return cls(
            article.model_dump(mode="python"),
            tuple(parsed.line_classes),
            np.asarray(sketch.key_signature(key), dtype=np.uint64),
            sketch.key_content_hash(key),
            headline_ids,
            tuple(ids.split_for(h) for h in headline_ids),
            tuple(parsed.evidence),
        )
