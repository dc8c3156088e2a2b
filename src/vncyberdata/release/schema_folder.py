"""The checked-in `schema/` folder: JSON Schemas and HF features derived from the record models
(schemas.py) and the gate's expectation suites (gate.py, following schema/floors.toml). One module above
both, so that neither imports the other; `vncyberdata schema --write/--check` and the drift test use it."""

from __future__ import annotations

import json
from pathlib import Path

from ..model import schemas
from .gate import load_floors, suite_files
from ..model.record import MODELS, RawMeta


def checked_in_files(schema_dir: Path | None = None) -> dict[str, str]:
    """Relative path under `schema/` → the text that file must hold (the expectation suites follow floors.toml)."""
    out = {"raw-meta.schema.json": _dump(schemas.json_schema(RawMeta))}
    if schema_dir is not None and (schema_dir / "floors.toml").exists():
        out.update(suite_files(load_floors(schema_dir / "floors.toml")))
    for config, model in MODELS.items():
        stem = config.rstrip("s")
        out[f"{stem}.schema.json"] = _dump(schemas.json_schema(model))
        out[f"{stem}.features.json"] = _dump(schemas.features_yaml_list(config))
    return out


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def drift(schema_dir: Path) -> list[str]:
    """Names of checked-in schema files that are missing or differ from the models."""
    problems = []
    for name, text in checked_in_files(schema_dir).items():
        path = schema_dir / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: differs from the model")
    return problems


def write_all(schema_dir: Path) -> list[str]:
    files = checked_in_files(schema_dir)
    for name, text in files.items():
        (schema_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (schema_dir / name).write_text(text, encoding="utf-8")
    return sorted(files)
