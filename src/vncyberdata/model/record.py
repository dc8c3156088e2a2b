"""The record models, defined once.

`Article` and `Headline` are the rows of the two configs; `RawMeta` is the sidecar that travels with each
raw file. Every other schema (JSON Schema in `schema/`, the Arrow schema, the Hugging Face `Features`) is
derived from these classes by `schemas.py`; nothing else spells out a column.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

SPLITS: tuple[str, ...] = ("train", "validation", "test")
CONFIGS: tuple[str, ...] = ("articles", "headlines")
LINE_CLASSES: tuple[str, ...] = (
    "title",
    "lead",
    "body",
    "caption",
    "date",
    "author",
    "attribution",
    "chrome",
    "related_headline",
    "blank",
)

Split = Literal["train", "validation", "test"]
_SHA256 = r"^[0-9a-f]{64}$"
_ID = r"^[0-9a-f]{16}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RawMeta(_Frozen):
    """Sidecar `<stem>.meta.json`: what is known about a raw file but not written in it."""

    publisher: str = Field(min_length=1, description="Who published the page (outlet or portal name).")
    url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Where the page was fetched from; null when unknown (never invented).",
    )
    retrieved_at: AwareDatetime | dt.date | None = Field(
        default=None,
        description="When the page was fetched: an ISO date, or an ISO date-time with a UTC offset; null when unknown.",
    )
    license: str = Field(min_length=1, description="Rights statement for the text (who holds it, what is permitted).")
    language: str = Field(default="vi", pattern=r"^[a-z]{2,3}$", description="ISO 639 code of the page's language.")
    notes: str | None = Field(default=None, description="Free text: how the metadata was established.")


class Caption(_Frozen):
    """A photo caption; `variants` holds other spellings of it seen on the page (e.g. the image alt text)."""

    text: str = Field(min_length=1)
    credit: str | None = None
    variants: list[str] = Field(default_factory=list)


class TopicMatch(_Frozen):
    """A topic of the taxonomy and the terms of it found in the article."""

    topic: str
    terms: list[str] = Field(min_length=1)


class PiiCounts(_Frozen):
    """How many values of each kind were replaced by a placeholder ("[PHONE]", "[EMAIL]", ...)."""

    phone: int = Field(ge=0)
    email: int = Field(ge=0)
    id_number: int = Field(ge=0)
    bank_account: int = Field(ge=0)
    card_number: int = Field(ge=0)


class Article(_Frozen):
    """One news article: a row of the `articles` config."""

    id: str = Field(pattern=_ID, description="Stable article id; see docs/dataset.md, 'Ids'.")
    id_basis: Literal["url", "title_publisher_date"] = Field(description="What the id was computed from.")
    title: str = Field(min_length=1)
    lead: str | None = Field(description="The sapo: the paragraph between title and body; null when absent.")
    body: str = Field(min_length=1, description="Body paragraphs joined by a blank line.")
    captions: list[Caption]
    related_headlines: list[str] = Field(description="Headlines the page listed as related/other news (not body).")
    published_date: dt.date | None = Field(description="Publication date when day, month and year are known.")
    published_year: int | None = Field(ge=1900, le=2100)
    published_month: int | None = Field(ge=1, le=12)
    published_day: int | None = Field(ge=1, le=31)
    published_time: str | None = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM as printed on the page.")
    published_utc_offset: str | None = Field(pattern=r"^[+-]\d{2}:\d{2}$")
    date_source: Literal["date_line", "in_text"] | None = Field(
        description="date_line: a line holding only the date; in_text: a date opening the lead or a paragraph."
    )
    date_evidence: str | None = Field(description="The text the date was read from, as printed.")
    date_year_inferred: bool = Field(description="True when the page gave no year and it came from retrieved_at.")
    date_precision: Literal["minute", "day", "month_day"] | None = Field(
        description="minute: date and time printed; day: a full date; month_day: day and month only (year unknown)."
    )
    author: str | None
    source_attribution: str | None = Field(description="Original source named by the page ('Theo X', 'Nguồn: X').")
    publisher: str
    url: str | None
    retrieved_at: str | None = Field(description="ISO date or date-time from the sidecar.")
    license: str
    language: str = Field(pattern=r"^[a-z]{2,3}$", description="Language identified on the text (py3langid).")
    language_score: float = Field(ge=0, le=1, description="The identifier's probability for `language`.")
    cluster_id: str = Field(pattern=_ID, description="Id of the canonical record of this article's duplicate cluster.")
    cluster_size: int = Field(ge=1, description="Raw pages found to hold this article (exact or near duplicates).")
    pii_redacted: PiiCounts = Field(
        description="Private contact and account data replaced in title, lead, body, captions and related headlines."
    )
    topics: list[str] = Field(description="Topic ids from the cybercrime taxonomy (src/vncyberdata/data/topics.toml).")
    topic_terms: list[TopicMatch] = Field(description="For each topic, the taxonomy terms found in title, lead or body.")
    taxonomy_version: int = Field(ge=1, description="Version of the taxonomy the topics come from.")
    raw_path: str = Field(description="Path of the raw file relative to the raw folder, POSIX separators.")
    raw_sha256: str = Field(pattern=_SHA256)
    raw_format: Literal["text", "html"]
    parser_version: str
    split: Split

    @model_validator(mode="after")
    def _date_parts_agree(self) -> Article:
        parts = (self.published_year, self.published_month, self.published_day)
        if self.published_date is not None and parts != (
            self.published_date.year,
            self.published_date.month,
            self.published_date.day,
        ):
            raise ValueError("published_date disagrees with published_year/month/day")
        if self.published_date is None and None not in parts:
            raise ValueError("published_year/month/day are all known but published_date is null")
        if self.date_year_inferred and self.published_year is None:
            raise ValueError("date_year_inferred is true but published_year is null")
        if (self.date_precision is None) != (self.published_month is None):
            raise ValueError("date_precision must be set exactly when a date was found")
        if self.date_precision == "month_day" and self.published_year is not None:
            raise ValueError("date_precision month_day but published_year is known")
        return self


class Sighting(_Frozen):
    """Where a related headline was listed: the article page and its 0-based position in the list."""

    article_id: str = Field(pattern=_ID)
    position: int = Field(ge=0)


class Headline(_Frozen):
    """One distinct related headline: a row of the `headlines` config."""

    id: str = Field(pattern=_ID, description="Hash of the normalised headline text.")
    text: str = Field(min_length=1)
    seen_on: list[Sighting] = Field(min_length=1)
    split: Split


MODELS: dict[str, type[BaseModel]] = {"articles": Article, "headlines": Headline}
