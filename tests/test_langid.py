"""Language identification: the compiled walk scores exactly as py3langid's own classify does."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vncyberdata.parse import langid
from vncyberdata.synthetic import generate

FIXTURES = Path(__file__).parent / "fixtures"


def test_every_text_scores_as_the_library_scores_it(tmp_path):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in generate(40, tmp_path, seed=3)]
    texts += ["Police arrested a hacker in Hanoi.", "Die Polizei hat einen Betrüger festgenommen.", "", "12 34",
              "警方逮捕了网络诈骗嫌疑人", "Полиция задержала мошенника",
              "CÔNG AN BẮT GIỮ ĐỐI TƯỢNG LỪA ĐẢO", "half a surrogate \ud800 here", "hoa\u0300 nfd text", "\n\n  \t"]
    assert len(texts) > 100
    for text in texts:  # whole texts too: longer than any sample, they grow the walk's buffers
        for sample in (text, text[: langid.SAMPLE_CHARS], text[:80]):
            assert langid.classify(sample) == stock.classify(sample), sample[:60]


def test_the_kept_model_is_the_library_model_and_a_damaged_copy_is_made_again(tmp_path):
    from vncyberdata.parse.langid import _arrays, _library_arrays

    def same(a, b):
        return a.keys() == b.keys() and all(a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a)

    library = _library_arrays()
    assert same(_arrays(tmp_path), library)  # made and kept
    [kept] = tmp_path.glob("langid-model-*.npz")
    assert same(_arrays(tmp_path), library)  # read from the kept copy
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short, as by a full disk
    assert same(_arrays(tmp_path), library) and kept.stat().st_size > 1000
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert same(_arrays(blocked / "cache"), library)  # a folder that cannot be made: no error, nothing kept
