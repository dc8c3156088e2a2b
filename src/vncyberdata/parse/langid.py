"""Language identification with py3langid's model, whose weights ship inside its wheel (no download, offline).

Identification runs on the article text (title, lead, body: at most `SAMPLE_CHARS` characters), never on
single short lines: on a word like "In" any identifier guesses at random.

The model is py3langid's (naive Bayes over byte n-grams, found by a walk of an automaton over the text's
UTF-8 bytes); the scoring is done here because the library walks the bytes in a Python loop, which was the
largest single cost of a parse. `_walk` runs that loop compiled (numba), counting each feature and copying
its weights in the order of first visit, as the library's counter does, so that the sums, and so every
probability, come out the same to the bit: a test compares with the library on every fixture.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numba
import numpy as np

SAMPLE_CHARS = 1_000


@numba.njit(cache=True, nogil=True)
def _walk(nextmove, rowbase, output, data, seen, order, counts, weights, half_to_float, rows):  # pragma: no cover
    """Walk the automaton over `data`; the features met go to `order` (first visit first) with their counts
    in `counts` and their weights, as float32, in `rows`. Returns how many. `seen` is all zeros before and
    after (one counter per feature, reset here for the next text)."""
    n = 0
    state = 0
    for i in range(data.shape[0]):
        state = nextmove[rowbase[state] + data[i]]
        feature = output[state]
        if feature >= 0:
            if seen[feature] == 0:
                order[n] = feature
                n += 1
            seen[feature] += 1
    for k in range(n):
        feature = order[k]
        counts[k] = seen[feature]
        seen[feature] = 0
        for j in range(weights.shape[1]):
            rows[k, j] = half_to_float[weights[feature, j]]
    return n


@dataclass(frozen=True)
class _Model:
    nextmove: np.ndarray  # the automaton: next state = nextmove[rowbase[state] + byte]
    rowbase: np.ndarray
    output: np.ndarray  # the feature a state counts, or -1
    weights: np.ndarray  # (features, classes) float16 weights, viewed as uint16 (half_to_float reads them)
    half_to_float: np.ndarray  # every float16 bit pattern's float32 value: an exact conversion
    bias: np.ndarray  # the classes' prior log-probabilities
    classes: tuple[str, ...]
    aliases: tuple[tuple[int, int], ...]  # (first, duplicate) columns of a label listed twice
    seen: np.ndarray  # _walk's scratch counters, all zeros between calls
    scratch: list  # [order, counts, rows]: _walk's output buffers, grown to the longest text yet

    def buffers(self, size: int) -> list[np.ndarray]:
        if len(self.scratch[0]) < size:
            size = max(size, 2 * len(self.scratch[0]))
            self.scratch[:] = [np.empty(size, dtype=np.int64), np.empty(size, dtype=np.float32),
                               np.empty((size, self.weights.shape[1]), dtype=np.float32)]
        return self.scratch


@lru_cache(maxsize=1)
def _model() -> _Model:
    arrays = _arrays()
    classes = tuple(str(c) for c in arrays["classes"])
    first: dict[str, int] = {}
    aliases = []
    for i, label in enumerate(classes):
        if label in first:
            aliases.append((first[label], i))
        else:
            first[label] = i
    weights = arrays["weights"]
    return _Model(
        nextmove=arrays["nextmove"],
        rowbase=arrays["rowbase"],
        output=arrays["output"],
        weights=weights,
        half_to_float=np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32),
        bias=arrays["bias"],
        classes=classes,
        aliases=tuple(aliases),
        seen=np.zeros(weights.shape[0], dtype=np.int32),
        scratch=[np.empty(0, dtype=np.int64)],
    )


KEPT_FOLDER = Path(__file__).with_name("__pycache__")  # where numba keeps the compiled walk too
_KEPT_FORMAT = 1  # the kept arrays' names and types (`_library_arrays`); another value, another file


def _arrays(folder: Path = KEPT_FOLDER) -> dict[str, np.ndarray]:
    """The model's arrays as `_walk` reads them. Decompressing the library's model is the slowest part of
    starting any process that identifies a language (each build, each validate), so the arrays are also kept
    uncompressed in `folder`, in a file named after the sha256 of the library's model file, and read from
    there when it is whole. A folder that cannot be written is no error: the model is decompressed each time."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    digest = hashlib.sha256((MODEL_DIR / MODEL_FILE).read_bytes()).hexdigest()[:16]
    kept = Path(folder) / f"langid-model-{_KEPT_FORMAT}-{digest}.npz"
    try:
        with np.load(kept, allow_pickle=False) as npz:
            return {name: npz[name] for name in _NAMES}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # not kept yet, or damaged: made again
    arrays = _library_arrays()
    tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, kept)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return arrays


_NAMES = ("nextmove", "rowbase", "output", "weights", "bias", "classes")


def _library_arrays() -> dict[str, np.ndarray]:
    """The library's model, loaded by the library, as the arrays `_Model` holds."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    lib = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return {
        "nextmove": np.asarray(lib.tk_nextmove, dtype=np.uint32),
        "rowbase": np.asarray(lib.tk_row, dtype=np.int64) << 8,
        "output": np.asarray(lib.tk_output, dtype=np.int32),
        "weights": np.ascontiguousarray(lib.nb_ptc, dtype=np.float16).view(np.uint16),
        "bias": np.asarray(lib.nb_pc, dtype=np.float32),
        "classes": np.array([str(c) for c in lib.nb_classes]),
    }


def classify(text: str) -> tuple[str, float]:
    """(language, probability) of a text: py3langid's `classify` with normalised probabilities."""
    m = _model()
    if text.isupper():
        text = text.lower()
    data = unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")
    order, counts, rows = m.buffers(min(len(data), len(m.seen)))  # a feature is met at one byte or more
    n = _walk(m.nextmove, m.rowbase, m.output, np.frombuffer(data, dtype=np.uint8), m.seen, order, counts,
              m.weights, m.half_to_float, rows)
    # nothing to go on: every class alike
    scores = np.log1p(counts[:n]) @ rows[:n] + m.bias if n else np.zeros(len(m.classes), dtype=np.float32)
    scores *= 1.0 / math.sqrt(len(data) or 1)  # the library's temperature: the square root of the byte count
    np.exp(scores - scores.max(), out=scores)
    scores /= scores.sum()
    for i, j in m.aliases:
        scores[i] += scores[j]
        scores[j] = 0.0
    best = int(scores.argmax())
    return m.classes[best], float(scores[best])


def identify(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability rounded to 4 decimals) for a text sample."""
    lang, prob = classify(text[:SAMPLE_CHARS])
    return lang, round(prob, 4)


def article_sample(title: str, lead: str | None, body: str) -> str:
    return "\n".join(part for part in (title, lead, body) if part)[:SAMPLE_CHARS]
