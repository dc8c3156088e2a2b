"""Croissant (MLCommons) metadata for a dataset folder, derived from the record model and the written files.

Deterministic for the same files and release date (a release's croissant.json is in its reproducible set).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from ..model import schemas
from ..intake.raw import sha256_file
from ..model.record import MODELS

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_TYPES = {
    pa.string(): "sc:Text",
    pa.int32(): "sc:Integer",
    pa.int64(): "sc:Integer",
    pa.float64(): "sc:Float",
    pa.bool_(): "sc:Boolean",
    pa.date32(): "sc:Date",
}


def _field(record_set: str, name: str, typ: pa.DataType, file_set: str, description: str | None, path: str) -> dict:
    out: dict = {"@type": "cr:Field", "@id": f"{record_set}/{path}", "name": name}
    if description:
        out["description"] = description
    if pa.types.is_list(typ):
        out["repeated"] = True
        typ = typ.value_type
    if pa.types.is_struct(typ):
        out["subField"] = [
            _field(record_set, typ.field(i).name, typ.field(i).type, file_set, None, f"{path}/{typ.field(i).name}")
            for i in range(typ.num_fields)
        ]
        return out
    out["dataType"] = _TYPES[typ]
    column = path.split("/")[0]
    source: dict = {"fileSet": {"@id": file_set}, "extract": {"column": column}}
    if "/" in path:
        source["transform"] = {"jsonPath": "$." + ".".join(path.split("/")[1:])}
    out["source"] = source
    return out


def render(folder: Path, version: str, date_published: str, description: str) -> str:
    """croissant.json text for the dataset folder `folder`."""
    distribution = []
    record_sets = []
    for config, model in MODELS.items():
        files = sorted((folder / "data" / config).glob("*.parquet"))
        for path in files:
            rel = path.relative_to(folder).as_posix()
            distribution.append(
                {
                    "@type": "cr:FileObject",
                    "@id": rel,
                    "name": rel,
                    "contentUrl": rel,
                    "encodingFormat": "application/x-parquet",
                    "sha256": sha256_file(path),
                }
            )
        # A FileSet with no containedIn is read from the folder beside croissant.json (mlcroissant reads it
        # locally); the FileObjects above carry each file's sha256.
        file_set = f"parquet-{config}"
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": file_set,
                "name": file_set,
                "encodingFormat": "application/x-parquet",
                "includes": f"data/{config}/*.parquet",
            }
        )
        schema = schemas.write_schema(config)
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": config,
                "name": config,
                "description": (model.__doc__ or "").strip().splitlines()[0],
                "key": {"@id": f"{config}/id"},
                "field": [
                    _field(config, name, schema.field(name).type, file_set, info.description, name)
                    for name, info in model.model_fields.items()
                ],
            }
        )
    doc = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": "vncyberdata",
        "description": description,
        "version": version,
        "datePublished": date_published,
        "license": "Copyright the publishers of the texts; each record's license field holds its rights statement",
        "inLanguage": "vi",
        "keywords": ["Vietnamese", "news", "cybercrime", "online fraud"],
        "citeAs": f"vncyberdata {version}: a dataset of Vietnamese news about cybercrime ({date_published[:4]})",
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
