"""Intake: the raw folder. Discovering raw files and their sidecars, pinning their bytes (`raw.py`), legacy
encodings (`legacy.py`) and the intake checks of `vncyberdata validate` (`validate.py`). Uses the model and
the parse stage."""
