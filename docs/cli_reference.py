"""Write docs/cli.md: the `--help` of `vncyberdata` and of every command, from the CLI's own parser.

    make docs                              # rewrite docs/cli.md
    .venv/bin/python docs/cli_reference.py --check   # exit 1 if docs/cli.md is out of date

tests/test_docs.py renders it in memory and compares it with the checked-in page. The output depends on
argparse's formatting, so it is written at a fixed width (COLUMNS=100) and with the Python the Makefile
installs (3.11: later versions format some options differently).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "cli.md"
WIDTH = "100"

HEADER = """\
# Command-line reference

Generated from the CLI's own parser by `make docs` (`docs/cli_reference.py`): do not edit by hand;
`tests/test_docs.py` fails when this page differs from what `--help` prints. What the commands are for,
with examples, is in the task pages: [validation](validation.md), [raw files](raw-format.md),
[parsing](parsing.md), [building and scale](scale.md), [releases](releases.md), [layout](layout.md).

Exit status of every command: 0 success, 1 failure, 2 usage error. Errors are printed as `error: ...` with a
hint, never as a traceback (`--debug` shows one for bugs).
"""


def render() -> str:
    """The markdown of docs/cli.md."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH  # argparse reads the width when it formats, not when the parser is made
    try:
        from vncyberdata.cli import make_parser

        parser = make_parser()
        commands = next(a for a in parser._actions if a.dest == "command").choices  # in the order they were added
        sections = [("vncyberdata", parser)] + [(f"vncyberdata {name}", sub) for name, sub in commands.items()]
        parts = [HEADER]
        for title, p in sections:
            parts.append(f"## `{title}`\n\n```text\n{p.format_help().rstrip()}\n```\n")
        return "\n".join(parts)
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
