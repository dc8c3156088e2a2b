"""Parsing: a page (a text dump, or HTML turned into one by `html_dump.py`) → an `Article`, or a `Rejection`
with a reason code (`parse.py`). Pure functions of the page's text and sidecar; uses only the model."""
