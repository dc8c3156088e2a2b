"""The findings of `vncyberdata validate` as the user reads them: text lines, a JSON document, or GitHub
Actions workflow commands (an annotation on the pull request's line for each finding)."""

from __future__ import annotations

import json

from .validate import Result


def format_text(result: Result, strict: bool = False) -> str:
    lines = [f"{f.location()}: {f.code} {f.message} (hint: {f.hint})" for f in result.findings]
    errors, warnings = result.counts(strict)
    verdict = "FAILED" if errors else "ok"
    lines.append(f"{verdict}: {errors} errors, {warnings} warnings in {result.files_checked} files checked")
    return "\n".join(lines)


def format_json(result: Result, strict: bool = False) -> str:
    errors, warnings = result.counts(strict)
    doc = {
        "findings": [f.as_dict() for f in result.findings],
        "summary": {"files_checked": result.files_checked, "errors": errors, "warnings": warnings, "strict": strict},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def format_github(result: Result, strict: bool = False, prefix: str = "raw") -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on the pull request's line."""
    out = []
    for f in result.findings:
        level = "error" if f.severity == "error" or strict else "warning"
        props = [f"file={_gh_escape(f'{prefix}/{f.path}' if prefix else f.path, True)}"]
        if f.line:
            props.append(f"line={f.line}")
        if f.col:
            props.append(f"col={f.col}")
        props.append(f"title={_gh_escape(f.code, True)}")
        out.append(f"::{level} {','.join(props)}::{_gh_escape(f'{f.message} (hint: {f.hint})')}")
    errors, warnings = result.counts(strict)
    out.append(f"vncyberdata validate: {errors} errors, {warnings} warnings in {result.files_checked} files checked")
    return "\n".join(out)


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
