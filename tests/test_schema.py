"""One source of truth: every schema is derived from the pydantic models, and checked-in copies match."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from conftest import REPO

from vncyberdata.release import schema_folder
from vncyberdata.model import schemas
from vncyberdata.model.record import MODELS, Article, RawMeta


def test_checked_in_schemas_match_the_models():
    assert schema_folder.drift(REPO / "schema") == [], "run `make schema` after changing record.py"


def test_drift_is_detected(tmp_path):
    schema_folder.write_all(tmp_path)
    assert schema_folder.drift(tmp_path) == []
    path = tmp_path / "article.schema.json"
    data = json.loads(path.read_text())
    del data["properties"]["title"]
    path.write_text(json.dumps(data))
    (tmp_path / "headline.features.json").unlink()
    assert schema_folder.drift(tmp_path) == ["article.schema.json: differs from the model", "headline.features.json: missing"]


@pytest.mark.parametrize("config", list(MODELS))
def test_arrow_features_and_json_schema_name_the_same_columns(config):
    model_fields = list(MODELS[config].model_fields)
    assert schemas.arrow_schema(config).names == model_fields
    assert list(schemas.features(config)) == model_fields
    assert list(schemas.json_schema(MODELS[config])["properties"]) == model_fields


@pytest.mark.parametrize("config", list(MODELS))
def test_the_write_schema_and_card_features_are_what_datasets_makes_of_the_model(config):
    """schemas.py writes out what `datasets.Features` derives (so the build need not import datasets):
    the Parquet schema with its `huggingface` metadata, byte for byte, and the card's YAML list."""
    features = schemas.features(config)
    assert schemas.write_schema(config).equals(features.arrow_schema, check_metadata=True)
    assert schemas.write_schema(config).metadata == features.arrow_schema.metadata
    assert schemas.features_yaml_list(config) == features._to_yaml_list()


def test_arrow_nullability_follows_the_model():
    schema = schemas.arrow_schema("articles")
    assert not schema.field("id").nullable and not schema.field("body").nullable
    assert schema.field("lead").nullable and schema.field("published_date").nullable
    assert schema.field("published_date").type == pa.date32()
    assert schema.field("captions").type == pa.list_(
        pa.struct(
            [
                pa.field("text", pa.string(), nullable=False),
                pa.field("credit", pa.string()),
                pa.field("variants", pa.list_(pa.string()), nullable=False),
            ]
        )
    )


def test_unmappable_annotation_is_refused():
    from pydantic import BaseModel

    class Odd(BaseModel):
        x: int | str

    with pytest.raises(TypeError, match="Optional"):
        schemas.arrow_fields(Odd)


def test_raw_meta_rules():
    ok = RawMeta.model_validate({"publisher": "P", "license": "L"})
    assert ok.language == "vi" and ok.url is None and ok.retrieved_at is None
    assert RawMeta.model_validate({"publisher": "P", "license": "L", "retrieved_at": "2025-12-01T09:30:00+07:00"})
    for bad in (
        {"license": "L"},  # publisher required
        {"publisher": "P", "license": "L", "extra": 1},  # unknown field
        {"publisher": "P", "license": "L", "retrieved_at": "2025-12-01T09:30:00"},  # no offset
        {"publisher": "P", "license": "L", "url": "not a url"},
    ):
        with pytest.raises(ValueError):
            RawMeta.model_validate(bad)


def test_article_date_parts_must_agree(seed_build):
    import datetime as dt

    from vncyberdata import load_split

    row = dict(next(r for d in load_split(seed_build).values() for r in d if r["published_date"]))
    Article.model_validate(row)
    with pytest.raises(ValueError, match="disagrees"):
        Article.model_validate({**row, "published_date": dt.date(2020, 1, 1)})
