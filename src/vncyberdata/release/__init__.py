"""Releases: the gate over a built folder (`gate.py`, `rowchecks.py`), versions, the comparison with the
previous release and the published folder (`release.py`, `records.py`), and loading with `datasets`
(`loading.py`). Uses every stage above it."""
