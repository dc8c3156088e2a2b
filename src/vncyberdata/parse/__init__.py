"""Parsing: a page (a text dump, or HTML turned into one by `html_dump.py`) → an `Article`, or a `Rejection`
with a reason code (`parse.py`). Pure functions of the page's text and sidecar; uses only the model."""

# The version of the parsing rules, recorded in every record and the build report; part of the parse cache's
# fingerprint. Here, not in parse.py, so that the build's driver can name it without loading the parser.
PARSER_VERSION = "1.0.0"
