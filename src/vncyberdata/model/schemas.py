"""Schemas derived from the pydantic models in `record.py`: Arrow, Hugging Face Features, JSON Schema.

No maintained library maps pydantic to Arrow faithfully (dates, Literals, nested models), so the small
mapper below is ours. Checked-in copies live in `schema/`; `vncyberdata schema --check` and the tests
compare them with what is derived here (`schema_folder.drift`: that folder holds the gate's suites too).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import types
import typing

import pyarrow as pa
from pydantic import BaseModel

from ..offline import ensure_offline
from .record import MODELS, RawMeta

_SCALARS: dict[object, pa.DataType] = {
    str: pa.string(),
    int: pa.int32(),
    bool: pa.bool_(),
    float: pa.float64(),
    dt.date: pa.date32(),
}


def _arrow_type(annotation: object) -> tuple[pa.DataType, bool]:
    """Arrow type of a field annotation, and whether None is allowed."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) != len(typing.get_args(annotation))
        if len(args) != 1:
            raise TypeError(f"unions other than Optional[X] have no Arrow mapping: {annotation!r}")
        return _arrow_type(args[0])[0], nullable
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"only string Literals are mapped: {annotation!r}")
        return pa.string(), False
    if origin is list:
        (item,) = typing.get_args(annotation)
        return pa.list_(_arrow_type(item)[0]), False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(arrow_fields(annotation)), False
    if annotation in _SCALARS:
        return _SCALARS[annotation], False
    raise TypeError(f"no Arrow mapping for {annotation!r}")


def arrow_fields(model: type[BaseModel]) -> list[pa.Field]:
    fields = []
    for name, info in model.model_fields.items():
        typ, nullable = _arrow_type(info.annotation)
        fields.append(pa.field(name, typ, nullable=nullable))
    return fields


def arrow_schema(config: str) -> pa.Schema:
    """Arrow schema of a config, with nullability as the model declares it."""
    return pa.schema(arrow_fields(MODELS[config]))


def features(config: str):
    """Hugging Face `Features` of a config (imports `datasets` lazily: the import is slow)."""
    ensure_offline()
    import datasets

    return datasets.Features.from_arrow_schema(arrow_schema(config))


# What follows is what `datasets.Features` makes of `arrow_schema` (its arrow_schema, to_dict and YAML
# list), written out because importing `datasets` is slow and adds much memory to the build's driver and
# to every worker. tests/test_schema.py checks both against `features()` for every config.
_DTYPES = {pa.string(): "string", pa.int32(): "int32", pa.bool_(): "bool", pa.float64(): "float64",
           pa.date32(): "date32"}


def _loose(typ: pa.DataType) -> pa.DataType:
    """The type with every nested field nullable: Features carry no nullability."""
    if pa.types.is_list(typ):
        return pa.list_(_loose(typ.value_type))
    if pa.types.is_struct(typ):
        return pa.struct([pa.field(f.name, _loose(f.type)) for f in typ])
    return typ


def _feature(typ: pa.DataType) -> dict:
    """One feature as `Features.to_dict` writes it."""
    if pa.types.is_list(typ):
        return {"feature": _feature(typ.value_type), "_type": "List"}
    if pa.types.is_struct(typ):
        return {f.name: _feature(f.type) for f in typ}
    return {"dtype": _DTYPES[typ], "_type": "Value"}


def _yaml_feature(typ: pa.DataType) -> dict:
    """What follows a feature's name in the card's YAML list."""
    if pa.types.is_list(typ):
        ((key, value),) = _yaml_feature(typ.value_type).items()
        return {"list": value if key in ("dtype", "struct") else {key: value}}
    if pa.types.is_struct(typ):
        return {"struct": [{"name": f.name, **_yaml_feature(f.type)} for f in typ]}
    return {"dtype": _DTYPES[typ]}


@functools.lru_cache(maxsize=None)  # asked for by every worker task; a Schema is immutable
def write_schema(config: str) -> pa.Schema:
    """The schema Parquet files are written with: what `datasets` reads back, so declared == written."""
    fields = arrow_schema(config)
    info = {"info": {"features": {f.name: _feature(f.type) for f in fields}}}
    return pa.schema([pa.field(f.name, _loose(f.type)) for f in fields],
                     metadata={"huggingface": json.dumps(info)})


def features_yaml_list(config: str) -> list:
    """The features as the dataset card's YAML lists them (`Features._to_yaml_list`)."""
    return [{"name": f.name, **_yaml_feature(f.type)} for f in arrow_schema(config)]


def json_schema(model: type[BaseModel]) -> dict:
    return model.model_json_schema(mode="serialization" if model is not RawMeta else "validation")

