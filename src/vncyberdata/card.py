"""The dataset card (README.md of a built dataset): YAML metadata that `datasets` reads, and prose for people."""

from __future__ import annotations

import yaml

from . import schemas
from .record import MODELS

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


def render(splits: dict[str, dict[str, dict]], report: dict) -> str:
    counts = "\n".join(
        f"| {config} | {split} | {info['num_examples']} |"
        for config, per_split in splits.items()
        for split, info in per_split.items()
    )
    empty = [f"{c}/{s}" for c in MODELS for s in ("train", "validation", "test") if s not in splits.get(c, {})]
    empty_note = (
        f"\nSplits with no records yet, left out of the metadata above: {', '.join(empty)}. "
        "`datasets` 5.2 cannot load a zero-row split; `vncyberdata.load(...)` and `vncyberdata.load_split(...)` return an empty "
        "split with the right features.\n"
        if empty
        else ""
    )
    drops = report.get("drops", [])
    yaml_text = yaml.safe_dump(metadata(splits), allow_unicode=True, sort_keys=False, width=120)
    return f"""---
{yaml_text}---

# {PRETTY_NAME}

Vietnamese news articles about cybercrime (online fraud, hacking, international police cooperation,
arrests), parsed from raw page dumps into clean records with provenance. Built by `vncyberdata build`
(parser {report['parser_version']}, package {report['package_version']}).

## Load

```python
import datasets
articles = datasets.load_dataset("PATH/TO/THIS/FOLDER")               # config "articles" (default)
headlines = datasets.load_dataset("PATH/TO/THIS/FOLDER", "headlines")
```

## Contents

| config | split | records |
| --- | --- | --- |
{counts}
{empty_note}
Raw files in: {len(report.get('inputs', []))} (files and sidecars); records dropped by the build: {len(drops)}.

## Ids and splits

- `id` is the first 16 hex digits of sha256 over `url:<canonical URL>` when the source URL is known, else over
  `tpd:<normalised title>|<normalised publisher>|<date as printed>`. File names never enter it, so a renamed,
  moved or re-scraped article keeps its id. `id_basis` says which rule applied.
- `split` comes from the id alone (sha256 bucket: 80 % train, 10 % validation, 10 % test): adding articles never
  moves an existing one.
- `headlines` rows: one per distinct related headline (case, spacing and punctuation ignored), with every
  article page it was listed on and its position there; split from the headline's own id.

## Fields: articles

{_fields_table('articles')}

## Fields: headlines

{_fields_table('headlines')}

## Licence and provenance

The texts belong to their publishers. Each record carries its publisher, source URL when known, retrieval
date when known, the rights statement from its sidecar (`license`), the raw file it came from and that
file's sha256. Use for research; ask the publisher for other uses.
"""
