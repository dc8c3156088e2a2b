"""Language identification with py3langid's model, whose weights ship inside its wheel (no download, offline).

Identification runs on the article text (title, lead, body: at most `SAMPLE_CHARS` characters), never on
single short lines: on a word like "In" any identifier guesses at random.

The model is py3langid's (naive Bayes over byte n-grams, found by a walk of an automaton over the text's
UTF-8 bytes); the scoring is done here because the library walks the bytes in a Python loop, which was the
largest single cost of a parse. `_count` runs that loop compiled (numba), counting each feature in the order
of first visit, as the library's counter does, and `_rows` copies their weights in that order, so that the
sums, and so every probability, come out the same to the bit: a test compares with the library on every
fixture.

Fetching the weights of every feature met (a row of all classes each, from a table of tens of MB) is most of
the cost. One number per feature bounds a language's lead over every other class, from a table that stays
in the processor's cache: a caller that only asks whether a text is in one language (validate's rule) gets
`proven`, and `identify` answers a text whose probability is certain to come out as exactly 1.0 (most
articles) without the weights (`_settled`). A text the bound does not settle gets the full scores.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numba
import numpy as np

SAMPLE_CHARS = 1_000


@numba.njit(cache=True, nogil=True)
def _count(nextmove, rowbase, output, data, seen, order, counts):  # pragma: no cover
    """Walk the automaton over `data`; the features met go to `order` (first visit first) with their counts
    in `counts`. Returns how many. `seen` is all zeros before and after (one counter per feature, reset here
    for the next text)."""
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
    return n


@numba.njit(cache=True, nogil=True)
def _rows(order, n, weights, half_to_float, rows):  # pragma: no cover
    """The weights of the features `order[:n]`, as float32, into `rows` (in that order)."""
    for k in range(n):
        feature = order[k]
        for j in range(weights.shape[1]):
            rows[k, j] = half_to_float[weights[feature, j]]


@numba.njit(cache=True, nogil=True)
def _sums(order, counts, n, margin, scale):  # pragma: no cover
    """The sums `proven` bounds with: of log1p(count) x margin and x scale over the features `order[:n]`."""
    bound = 0.0
    magnitude = 0.0
    for k in range(n):
        x = np.log1p(np.float64(counts[k]))
        bound += x * margin[order[k]]
        magnitude += x * scale[order[k]]
    return bound, magnitude


@numba.njit(cache=True, nogil=True)
def _lead_rows(weights, half_to_float, is_mine, margin, scale):  # pragma: no cover
    """Per feature: the least weight of a class in `is_mine` less the largest of the others (`margin`), and
    the largest weight in magnitude (`scale`)."""
    for f in range(weights.shape[0]):
        low, high, size = np.inf, -np.inf, 0.0
        for j in range(weights.shape[1]):
            w = np.float64(half_to_float[weights[f, j]])
            if is_mine[j]:
                low = min(low, w)
            else:
                high = max(high, w)
            size = max(size, abs(w))
        margin[f] = low - high
        scale[f] = size


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
    seen: np.ndarray  # _count's scratch counters, all zeros between calls
    scratch: list  # [order, counts, rows]: _count's and _rows' output buffers, grown to the longest text yet

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
_KEPT_FORMAT = 2  # the kept arrays' names, types and files (`_library_arrays`); another value, another folder


def _arrays(folder: Path = KEPT_FOLDER) -> dict[str, np.ndarray]:
    """The model's arrays as `_count` and `_rows` read them. Decompressing the library's model is the slowest
    part of starting any process that identifies a language (each build, each validate), so the arrays are
    also kept uncompressed in `folder`, one .npy file each in a folder named after the sha256 of the
    library's model file, and mapped into memory from there when they are whole (copy on write: the pages
    are read as the walk touches them, and shared by the processes that map them). A folder that cannot be
    written is no error: the model is decompressed each time."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    digest = hashlib.sha256((MODEL_DIR / MODEL_FILE).read_bytes()).hexdigest()[:16]
    kept = Path(folder) / f"langid-model-{_KEPT_FORMAT}-{digest}"
    try:
        # np.asarray: the mapped buffer as a plain array, which the compiled walk takes as any other
        return {name: np.asarray(np.load(kept / f"{name}.npy", mmap_mode="c", allow_pickle=False)) for name in _NAMES}
    except (OSError, ValueError, EOFError):
        shutil.rmtree(kept, ignore_errors=True)  # not kept yet, or damaged: made again
    arrays = _library_arrays()
    tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        os.replace(tmp, kept)
    except OSError:  # no room, no permission, or another process kept them first
        shutil.rmtree(tmp, ignore_errors=True)
    for older in range(1, _KEPT_FORMAT):  # a copy in a format this code no longer reads (format 1: one .npz)
        with contextlib.suppress(OSError):
            (Path(folder) / f"langid-model-{older}-{digest}.npz").unlink()
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


def _features(text: str) -> tuple[int, int]:
    """Walk `text` as the library does (upper case lowered, NFC, UTF-8): (its byte count, the features met),
    the features and their counts in the model's scratch buffers."""
    m = _model()
    if text.isupper():
        text = text.lower()
    data = unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")
    order, counts, _ = m.buffers(min(len(data), len(m.seen)))  # a feature is met at one byte or more
    return len(data), _count(m.nextmove, m.rowbase, m.output, np.frombuffer(data, dtype=np.uint8), m.seen, order, counts)


def classify(text: str) -> tuple[str, float]:
    """(language, probability) of a text: py3langid's `classify` with normalised probabilities."""
    return _classified(*_features(text))


def _classified(size: int, n: int) -> tuple[str, float]:
    """`classify` of the text `_features` walked last ("size" bytes, "n" features)."""
    m = _model()
    order, counts, rows = m.scratch
    _rows(order, n, m.weights, m.half_to_float, rows)
    # nothing to go on: every class alike
    scores = np.log1p(counts[:n]) @ rows[:n] + m.bias if n else np.zeros(len(m.classes), dtype=np.float32)
    scores *= 1.0 / math.sqrt(size or 1)  # the library's temperature: the square root of the byte count
    np.exp(scores - scores.max(), out=scores)
    scores /= scores.sum()
    for i, j in m.aliases:
        scores[i] += scores[j]
        scores[j] = 0.0
    best = int(scores.argmax())
    return m.classes[best], float(scores[best])


@dataclass(frozen=True)
class _Lead:
    """Per feature, the least a language's weight exceeds every other class's (`margin`, often negative) and
    the largest weight in magnitude (`scale`, for the rounding allowance); the same for the biases."""

    margin: np.ndarray
    scale: np.ndarray
    bias_margin: float
    bias_scale: float


@lru_cache(maxsize=4)
def _lead(language: str) -> _Lead:
    m = _model()
    if language not in m.classes:
        raise ValueError(f"the model has no language {language!r}")
    is_mine = np.array([c == language for c in m.classes])
    # float32 halves the tables (they stay in the processor's cache); the rounding, a 2^-24 part of a weight,
    # is inside the allowance `proven` makes
    margin = np.empty(len(m.weights), dtype=np.float32)
    scale = np.empty(len(m.weights), dtype=np.float32)
    _lead_rows(m.weights, m.half_to_float, is_mine, margin, scale)
    others = ~is_mine
    bias = m.bias.astype(np.float64)
    return _Lead(margin, scale, float(bias[is_mine].min() - bias[others].max()), float(np.abs(bias).max()))


def _clearance(n: int, language: str) -> float:
    """For the text `_features` walked last ("n" features): a lower bound of `language`'s raw score less every
    other class's, less an allowance for the float32 rounding of the library's sums (a thousandth of their
    magnitude, far more than they can lose)."""
    m, lead = _model(), _lead(language)
    order, counts, _ = m.scratch
    bound, magnitude = _sums(order, counts, n, lead.margin, lead.scale)
    return bound + lead.bias_margin - 1e-3 * (magnitude + lead.bias_scale) - 1e-3


def proven(text: str, language: str) -> bool:
    """Whether `classify(text)` is certain to answer `language`, shown without scoring every class: True
    only when the language's least lead over each other class (`_clearance`) clears what the softmax needs
    (a label listed twice sums two probabilities: ln 2 at the library's temperature). False says nothing:
    `classify` decides."""
    size, n = _features(text)
    return n > 0 and _clearance(n, language) > math.sqrt(size) * math.log(2)


LIKELY = "vi"  # the language most texts here are in: `identify` first tries to settle a text as it, cheaply


def _settled(size: int, n: int, language: str) -> bool:
    """Whether the library would give the text `_features` walked last `language` with probability exactly
    1.0 (as float32): every other class's share, exp(-lead / temperature) each, sums below half a float32
    unit of 1.0 (2^-24) when the least lead exceeds the temperature (the square root of the byte count) times
    ln(other classes) + 24 ln 2, plus one for the float32 exponential's own rounding. The language must have
    one column (a label listed twice would add two shares)."""
    m = _model()
    if n == 0 or m.classes.count(language) != 1:
        return False
    needed = math.log(len(m.classes) - 1) + 24 * math.log(2) + 1
    return _clearance(n, language) > math.sqrt(size) * needed


def identify(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability rounded to 4 decimals) for a text sample: what `classify` gives, found
    without scoring every class when the text is settled as `LIKELY` (`_settled`: most articles here)."""
    size, n = _features(text[:SAMPLE_CHARS])
    if _settled(size, n, LIKELY):
        return LIKELY, 1.0
    lang, prob = _classified(size, n)
    return lang, round(prob, 4)


def article_sample(title: str, lead: str | None, body: str) -> str:
    return "\n".join(part for part in (title, lead, body) if part)[:SAMPLE_CHARS]
