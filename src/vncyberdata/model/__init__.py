"""The model: the pydantic records (`record.py`), the one definition of every column, and the schemas derived
from them (`schemas.py`: Arrow, Hugging Face `Features`, JSON Schema). Imports nothing of the stages below."""
