"""The build: raw folder → dataset folder (`build.py`, the driver). Workers parse files into chunks
(`worker.py`), the global steps run as DuckDB queries (`database.py`, `steps.py`), the kept rows are gathered
in id order (`gather.py`) and written as Parquet (`write.py`). Uses the model, parse and intake stages."""
