"""The dataset card (README.md of a built dataset): YAML metadata that `datasets` reads, and prose for people."""

from __future__ import annotations

import yaml

from ..model import schemas
from ..model.record import MODELS

PRETTY_NAME = "vncyberdata: Vietnamese news about cybercrime"


def _size_category(n: int) -> str:
    for upper, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < upper:
            return label
    return "1M<n<10M"


def metadata(splits: dict[str, dict[str, dict]]) -> dict:
    """The card's YAML: `configs` tell `datasets` where the files are, `dataset_info` the features and sizes."""
    configs, infos = [], []
    for config in MODELS:
        present = splits.get(config, {})
        configs.append(
            {
                "config_name": config,
                **({"default": True} if config == "articles" else {}),
                "data_files": [{"split": s, "path": f"data/{config}/{s}-*.parquet"} for s in present],
            }
        )
        infos.append(
            {
                "config_name": config,
                "features": schemas.features_yaml_list(config),
                "splits": [
                    {"name": s, "num_bytes": v["num_bytes"], "num_examples": v["num_examples"]} for s, v in present.items()
                ],
                "dataset_size": sum(v["num_bytes"] for v in present.values()),
            }
        )
    n_articles = sum(v["num_examples"] for v in splits.get("articles", {}).values())
    return {
        "pretty_name": PRETTY_NAME,
        "language": ["vi"],
        "license": "other",
        "license_name": "publisher-copyright",
        "task_categories": ["text-classification", "summarization"],
        "tags": ["news", "cybercrime", "vietnamese"],
        "size_categories": [_size_category(n_articles)],
        "configs": configs,
        "dataset_info": infos,
    }


def _fields_table(config: str) -> str:
    rows = ["| field | description |", "| --- | --- |"]
    for name, info in MODELS[config].model_fields.items():
        rows.append(f"| `{name}` | {info.description or ''} |")
    return "\n".join(rows)


def render(
    splits: dict[str, dict[str, dict]],
    report: dict,
    version: str | None = None,
    stats: dict | None = None,
    date: str | None = None,
) -> str:
    """The whole card. Deterministic: the same splits, report, version and statistics give the same text."""
    counts = "\n".join(
        f"| {config} | {split} | {info['num_examples']} |"
        for config, per_split in splits.items()
        for split, info in per_split.items()
    )
    empty = [f"{c}/{s}" for c in MODELS for s in ("train", "validation", "test") if s not in splits.get(c, {})]
    empty_note = (
        f"\nSplits with no records yet, left out of the metadata above: {', '.join(empty)}. "
        "`datasets` 5.2 cannot load a zero-row split; `vncyberdata.load(...)` and `vncyberdata.load_split(...)` "
        "return an empty split with the right features.\n"
        if empty
        else ""
    )
    drops = report.get("drops", {}).get("count", 0)
    yaml_text = yaml.safe_dump(metadata(splits), allow_unicode=True, sort_keys=False, width=120)
    title = f"{PRETTY_NAME}" + (f" (release {version})" if version else " (unreleased build)")
    year = date[:4] if date else "n.d."
    cite_version = version or "unreleased"
    topic_line = ""
    if stats:
        topic_line = "Topics in this version: " + ", ".join(f"{t} ({n})" for t, n in stats["topics"].items()) + ".\n"
    return f"""---
{yaml_text}---

# {title}

## Dataset description

Vietnamese news articles about cybercrime (online fraud, impersonation, hacking, online gambling, money
laundering, data theft, international police cooperation, arrests and prosecution), parsed from raw page
dumps into clean records with provenance. Every record says where its text came from (publisher, URL and
retrieval date when known, rights statement, raw file and its sha256, parser version).

- **Language:** Vietnamese (`vi`), canonical Unicode (NFC, one tone-placement style).
- **License:** the texts belong to their publishers (`license: other`); each record's `license` field holds
  the rights statement of its source. The code that builds the dataset is MIT-licensed.
- **Curated by:** the vncyberdata maintainers. Built by `vncyberdata` (package {report['package_version']},
  parser {report['parser_version']}).
{topic_line}
## Uses

**Direct use.** Research on Vietnamese text about cybercrime: topic classification, retrieval,
summarisation (lead and body), headline generation (title from body), studying scam narratives and public
warnings, evaluating Vietnamese language models on news text.

**Out-of-scope use.** Identifying, profiling or contacting people named in the news; drawing conclusions
about crime rates (news coverage is not crime statistics); commercial redistribution of the texts without
the publishers' permission.

## Load

```python
import datasets
articles = datasets.load_dataset("PATH/TO/THIS/FOLDER")               # config "articles" (default)
headlines = datasets.load_dataset("PATH/TO/THIS/FOLDER", "headlines")

import vncyberdata
latest = vncyberdata.load()                    # the latest release in build/releases/, empty splits included
```

## Dataset structure

| config | split | records |
| --- | --- | --- |
{counts}
{empty_note}
Raw files in: {report.get('inputs', {}).get('count', 0)} (files and sidecars); raw files dropped by the build: {drops}.

- `id` is the first 16 hex digits of sha256 over `url:<canonical URL>` when the source URL is known, else over
  `tpd:<normalised title>|<normalised publisher>|<date as printed>`. File names never enter it, so a renamed,
  moved or re-scraped article keeps its id. `id_basis` says which rule applied.
- `split` comes from the id alone (sha256 bucket: 80 % train, 10 % validation, 10 % test): adding articles never
  moves an existing one, and an id never changes split between versions.
- `headlines`: one row per distinct related headline (case, spacing and punctuation ignored), with every
  article page it was listed on and its position there; split from the headline's own id.

### Fields: articles

{_fields_table('articles')}

### Fields: headlines

{_fields_table('headlines')}

## Dataset creation

**Curation rationale.** Vietnamese news about cybercrime is plentiful but scattered over many sites whose
pages mix the article with menus, share buttons, related-news lists and photo captions. This dataset keeps
only the article, puts captions, bylines, attributions and related headlines in their own fields, and makes
every step traceable.

**Source data.** Raw page dumps (one paragraph per line) saved by the maintainers, each with a sidecar
naming the publisher and the rights statement; unknown URLs and retrieval dates are left null, never
invented. Processing: every raw line is classified (title, lead, body, caption, date, author, attribution,
chrome, related headline, blank) by a rule-based parser with a data table of site chrome; text is
normalised; dates are read as printed (a yearless date keeps a null year unless the retrieval date gives
one); language is identified with py3langid; topics come from a versioned keyword taxonomy.

**Annotations.** None by people: topics, language and dates are produced by the rules above.

**Personal and sensitive information.** The articles name public officials and, sometimes, suspects or
victims (usually by initials). Phone numbers, e-mail addresses, bank account, card and ID numbers are
replaced with typed placeholders (`[PHONE]`, ...) before release; `pii_redacted` counts them. Names are not
removed.

## Bias, risks and limitations

- Sources are few and official voices dominate (police and government portals); the view of victims and
  accused people is thin.
- Rule-based extraction can leave site chrome the table does not know in the body, or miss a caption;
  the quality gate checks for known chrome markers only.
- Topic labels are keyword matches: they miss paraphrases and text without diacritics and can fire on
  passing mentions.
- PII redaction is pattern-based: unusual spellings of numbers can slip through, and long transaction
  numbers may be taken for card numbers.

**Recommendations.** Check the raw text (`raw_path`, `raw_sha256`) before drawing conclusions from a single
record; use `language_score`, `topics` and `date_precision` as filters rather than truths.

## Quality

Every release passes a great-expectations quality gate (schema, ids, lengths, no chrome, NFC, language,
dates, no PII left, split sizes); its report is in `gate/` of the release folder.

## Citation

```bibtex
@misc{{vncyberdata,
  title  = {{vncyberdata: Vietnamese news about cybercrime}},
  author = {{vncyberdata maintainers}},
  year   = {{{year}}},
  note   = {{Version {cite_version}}}
}}
```
"""
