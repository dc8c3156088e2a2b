"""Language identification: the compiled walk scores exactly as py3langid's own classify does."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    digest = hashlib.sha256((MODEL_DIR / MODEL_FILE).read_bytes()).hexdigest()[:16]
    stale = tmp_path / f"langid-model-1-{digest}.npz"  # the copy an older version of this code kept
    stale.write_bytes(b"older format")
    assert same(_arrays(tmp_path), library)  # made and kept
    assert not stale.exists(), "the older format's copy is removed when the new one is made"
    [kept] = tmp_path.glob("langid-model-*")
    assert same(_arrays(tmp_path), library)  # read from the kept copy
    weights = kept / "weights.npy"
    weights.write_bytes(weights.read_bytes()[:1000])  # cut short, as by a full disk
    assert same(_arrays(tmp_path), library) and weights.stat().st_size > 1000
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert same(_arrays(blocked / "cache"), library)  # a folder that cannot be made: no error, nothing kept


def _samples(tmp_path) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.txt"))]
    return [t[: langid.SAMPLE_CHARS] for t in texts + [p.read_text(encoding="utf-8") for p in generate(40, tmp_path, seed=5)]]


def test_a_proof_of_vietnamese_is_never_wrong_and_holds_for_ordinary_articles(tmp_path):
    samples = _samples(tmp_path)
    proven = [langid.proven(s, "vi") for s in samples]
    for sample, sure in zip(samples, proven):
        if sure:
            assert langid.classify(sample)[0] == "vi", sample[:60]
    # the shortcut is taken: every synthetic article (Vietnamese prose) is proven, most fixtures too
    assert all(proven[-40:])
    assert sum(proven) > 0.8 * len(samples)
    for other in ("Police arrested a hacker in Hanoi after a long investigation into online fraud.",
                  "Die Polizei hat einen Betrüger festgenommen.", "警方逮捕了网络诈骗嫌疑人", "", "12 34"):
        assert not langid.proven(other, "vi")


def test_a_text_barely_vietnamese_is_left_to_the_full_scores():
    """Mixed texts: where the lead is small the bound does not conclude (False), and `classify` decides;
    where it concludes, `classify` agrees."""
    vietnamese = "Công an thành phố đã bắt giữ đối tượng lừa đảo chiếm đoạt tài sản qua mạng xã hội. "
    english = "The police said the suspect had stolen money from many victims through social networks. "
    undecided = 0
    for k in range(0, 11):
        text = vietnamese * k + english * (10 - k)
        language = langid.classify(text)[0]
        if langid.proven(text, "vi"):
            assert language == "vi"
        elif language == "vi":
            undecided += 1
    assert undecided >= 1  # some texts classify as Vietnamese without a proof: the fallback is needed
    with pytest.raises(ValueError, match="no language"):
        langid.proven(vietnamese, "xx")


@given(st.lists(st.sampled_from("công an bắt giữ đối tượng lừa đảo mạng the police arrested a suspect for fraud "
                                "online die polizei hat einen betrüger festgenommen 123 , .".split()), max_size=200))
@settings(max_examples=200, deadline=None)
def test_a_proof_agrees_with_the_full_scores_on_any_mix_of_words(words):
    text = " ".join(words)
    if langid.proven(text, "vi"):
        assert langid.classify(text)[0] == "vi"


def test_identify_answers_as_the_library_and_settles_most_articles_without_scoring(tmp_path):
    """identify = the library's classify, probability rounded; a text settled as Vietnamese (probability
    exactly 1.0 as float32, shown by the bound) is answered without scoring every class."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    samples = _samples(tmp_path)
    mixed = ["Công an thành phố đã bắt giữ đối tượng lừa đảo. " * k + "The police arrested a suspect. " * (8 - k)
             for k in range(9)]
    settled = []
    for sample in samples + mixed + ["Police arrested a hacker.", "", "12 34", "CÔNG AN BẮT GIỮ ĐỐI TƯỢNG"]:
        language, probability = stock.classify(sample[: langid.SAMPLE_CHARS])
        assert langid.identify(sample) == (language, round(probability, 4)), sample[:60]
        settled.append(langid._settled(*langid._features(sample[: langid.SAMPLE_CHARS]), "vi"))
    # the shortcut is taken for ordinary articles (the synthetic ones), and for most fixtures (some are
    # English, short or mostly chrome)
    assert all(settled[len(samples) - 40 : len(samples)]) and sum(settled) >= 0.6 * len(samples)
    assert not langid._settled(*langid._features("Police arrested a hacker in Hanoi yesterday."), "vi")


@given(st.lists(st.sampled_from("công an bắt giữ đối tượng lừa đảo mạng the police arrested a suspect for fraud "
                                "online 123 , .".split()), max_size=300))
@settings(max_examples=200, deadline=None)
def test_identify_agrees_with_classify_on_any_mix_of_words(words):
    text = " ".join(words)
    language, probability = langid.classify(text[: langid.SAMPLE_CHARS])
    assert langid.identify(text) == (language, round(probability, 4))
