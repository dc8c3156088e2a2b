"""Language identification: the compiled walk gives py3langid's own answers, to the bit."""

from __future__ import annotations

import random

from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from vncyberdata.parse import langid
from vncyberdata.synthetic import generate

LIBRARY = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _samples(tmp_path) -> list[str]:
    pages = [p.read_text(encoding="utf-8") for p in generate(150, tmp_path / "raw", seed=11)]
    fixtures = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((REPO / "tests" / "fixtures").rglob("*.txt"))]
    rng = random.Random(3)
    mixed = ["", " ", "In", "ĐẠI HỘI", "The police arrested a gang of online fraudsters.", "Полиция задержала",
             "警方逮捕了", "x" * 5000, "\ufeffCông an\r\nHà Nội", "".join(rng.choice("aăâđêôơưáàạ zq1,.") for _ in range(900))]
    return [t[: langid.SAMPLE_CHARS] for t in pages + fixtures[:200] + mixed]


def test_the_compiled_walk_scores_as_py3langid_does(tmp_path):
    assert langid._compiled_walk() is not None, "numba is a dependency: the compiled walk must be in use"
    assert type(langid._identifier()).__name__ == "CompiledWalk"
    for text in _samples(tmp_path):
        assert langid._identifier().classify(text) == LIBRARY.classify(text), text[:80]
        assert langid._identifier().rank(text) == LIBRARY.rank(text), text[:80]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_any_text_or_bytes_scores_as_py3langid_does(sample):
    assert langid._identifier().classify(sample) == LIBRARY.classify(sample)
