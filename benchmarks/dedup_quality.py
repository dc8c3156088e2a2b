"""Near-duplicate detection quality and speed: the MinHash signature of minhash.py (numpy, SIGNATURE_VERSION 2)
against the one it replaced (datasketch 2.0's MinHash, SHA-1 of each shingle: version 1, copied here), on the
same pairs of articles, judged against the true Jaccard of their shingle sets at dedup's THRESHOLD.

Pairs: an article and a copy edited at several levels (a share of its words replaced, inserted or deleted; a
paragraph added or removed), and pairs of distinct articles. Figures per method:
- candidate recall: of the pairs whose true Jaccard is >= THRESHOLD, the share that share an LSH band key
  (minhash.band_keys: BANDS bands of BAND_ROWS rows);
- judged recall: the share that are candidates and whose estimated Jaccard (equal values / NUM_PERM) is
  >= THRESHOLD, i.e. that dedup links;
- precision: of the pairs dedup links, the share whose true Jaccard is >= THRESHOLD;
- mean |estimate - true Jaccard|, and milliseconds per article (~2.5k characters, one core; with and
  without normalize.key_text, which the worker needs for the content hash anyway).
Corpora: "vietnamese", articles written here from a few hundred common Vietnamese words drawn with Zipf
weights plus stock phrases of crime news that distinct articles share (so distinct pairs overlap a little,
as real ones do), and "synthetic", the bodies that parse.parse gives of vncyberdata.synthetic's dumps.

    python benchmarks/dedup_quality.py [--pairs 4000] [--corpus both|vietnamese|synthetic] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from vncyberdata.build import minhash, sketch
from vncyberdata.parse.normalize import key_text

# ~300 common syllables of Vietnamese news (crime, law, technology, everyday words), NFC.
VOCABULARY = """
và của là có được trong cho với các những một người này đã không để khi từ theo đến về tại sau trên
ra năm ngày như cũng nhiều đó vào thì lại còn nhưng vì nên do bị hay mà sẽ đang rất hơn nhất cùng
công an tỉnh thành phố huyện xã phường quận cơ quan điều tra cảnh sát hình sự kinh tế ma túy giao thông
đối tượng nghi phạm bị can bị cáo nạn nhân người dân chủ tài khoản ngân hàng tiền triệu tỷ đồng
lừa đảo chiếm đoạt tài sản mạng xã hội điện thoại ứng dụng trang web đường link tin nhắn cuộc gọi
giả danh mạo danh nhân viên cán bộ thuế bảo hiểm điện lực viễn thông chuyển khoản mã otp mật khẩu
dữ liệu cá nhân thông tin bảo mật tấn công mã độc tin tặc hệ thống máy chủ phần mềm an ninh mạng
khởi tố bắt giữ tạm giam truy nã xét xử phiên tòa án tuyên phạt tù năm tháng điều luật bộ hình sự
phát hiện xác minh làm rõ tiếp nhận đơn tố giác trình báo vụ việc đường dây tổ chức nhóm băng
đầu tư tiền ảo sàn giao dịch chứng khoán lợi nhuận cao hoa hồng nhiệm vụ việc nhẹ lương cao
việt nam hà nội hồ chí minh đà nẵng hải phòng cần thơ bình dương đồng nai nghệ an thanh hóa
quốc tế nước ngoài campuchia trung quốc biên giới xuất cảnh nhập cảnh hộ chiếu
doanh nghiệp công ty giám đốc kế toán hóa đơn hợp đồng dự án đất đai bất động sản
học sinh sinh viên giáo viên phụ huynh người cao tuổi phụ nữ thanh niên trẻ em gia đình
thời gian gần đây trước đó hiện nay tiếp tục thực hiện triển khai phối hợp đề nghị yêu cầu
cảnh báo khuyến cáo nâng cao cảnh giác không nên cung cấp truy cập đăng nhập cài đặt tải về
số lượng hàng trăm hàng nghìn nhiều lần liên tục nhanh chóng kịp thời nghiêm trọng phức tạp
buổi sáng chiều tối đêm qua hôm nay ngày mai tuần trước tháng này đầu năm cuối năm
""".split()
STOCK = [
    "theo thông tin từ cơ quan công an",
    "đề nghị người dân nâng cao cảnh giác",
    "không cung cấp mã otp cho bất kỳ ai",
    "vụ việc đang được tiếp tục điều tra làm rõ",
    "cơ quan cảnh sát điều tra đã ra quyết định khởi tố vụ án",
    "để chiếm đoạt tài sản của người dân",
    "theo quy định tại điều 174 bộ luật hình sự",
    "trình báo ngay cho cơ quan công an gần nhất",
]
CONNECTORS = ["Ngoài ra,", "Trước đó,", "Theo đó,", "Cũng theo", "Tuy nhiên,", "Hiện nay,", "Đáng chú ý,"]

# (name, kind, amount): "edit" changes that share of the words (each change a replacement, an insertion or a
# deletion); "add" / "remove" one paragraph; "distinct" is another article.
LEVELS = [
    ("0.5 % words", "edit", 0.005), ("1 % words", "edit", 0.01), ("2 % words", "edit", 0.02),
    ("3 % words", "edit", 0.03), ("5 % words", "edit", 0.05), ("10 % words", "edit", 0.10),
    ("20 % words", "edit", 0.20), ("40 % words", "edit", 0.40), ("+1 paragraph", "add", 1),
    ("-1 paragraph", "remove", 1), ("distinct", "distinct", 0),
]


def old_signature(body: str) -> np.ndarray:
    """minhash.signature before SIGNATURE_VERSION 2: datasketch 2.0's MinHash (SHA-1 of each shingle)."""
    return old_key_signature(key_text(body))


def old_key_signature(key: str) -> np.ndarray:
    """The same, of a key text: its shingles as minhash.shingles makes them."""
    from datasketch import MinHash

    words, n = key.split(), minhash.SHINGLE_WORDS
    shingles = [" ".join(words[i : i + n]).encode("utf-8") for i in range(len(words) - n + 1)] if len(words) > n else [
        " ".join(words).encode("utf-8")]
    m = MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme="affine32")
    m.update_batch(shingles)
    return m.hashvalues.astype(np.uint64)


METHODS = {"old (datasketch, sha1)": old_signature, "new (numpy, v2)": sketch.signature}


def _zipf_words(rng: random.Random, n: int) -> list[str]:
    weights = [1 / (rank + 2.7) for rank in range(len(VOCABULARY))]
    return rng.choices(VOCABULARY, weights=weights, k=n)


def _sentence(rng: random.Random) -> str:
    words = _zipf_words(rng, rng.randint(9, 28))
    if rng.random() < 0.35:  # a stock phrase, shared across articles
        at = rng.randrange(len(words))
        words[at:at] = rng.choice(STOCK).split()
    text = " ".join(words)
    if rng.random() < 0.2:
        text = f"{rng.choice(CONNECTORS)} {text}"
    if rng.random() < 0.15:
        text += f", {rng.randint(2, 950)} triệu đồng"
    return text[0].upper() + text[1:] + "."


def vietnamese_article(rng: random.Random, chars: int) -> list[str]:
    """Paragraphs of an article of about `chars` characters."""
    paras, size = [], 0
    while size < chars:
        para = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
        paras.append(para)
        size += len(para) + 1
    return paras


def synthetic_articles(n: int, seed: int) -> list[list[str]]:
    """Bodies of vncyberdata.synthetic dumps as parse.parse gives them, as paragraphs."""
    from vncyberdata.parse.parse import parse
    from vncyberdata.intake.raw import read_sidecar, sidecar_for
    from vncyberdata.synthetic import generate

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate(n, Path(tmp), seed=seed):
            parsed = parse(path.read_bytes(), read_sidecar(sidecar_for(path)), path.name)
            if hasattr(parsed, "article"):
                out.append(parsed.article.body.split("\n"))
    return out


def edited(rng: random.Random, paras: list[str], share: float, fresh) -> list[str]:
    """The paragraphs with round(share x words) random edits, each a replacement, insertion or deletion."""
    words = [(p, w) for p, para in enumerate(paras) for w in para.split()]
    for _ in range(max(1, round(share * len(words)))):
        at, op = rng.randrange(len(words)), rng.choice("rid")
        p = words[at][0]
        if op == "r":
            words[at] = (p, fresh())
        elif op == "i":
            words.insert(at, (p, fresh()))
        elif len(words) > 1:
            del words[at]
    out = [[] for _ in paras]
    for p, w in words:
        out[p].append(w)
    return [" ".join(ws) for ws in out if ws]


def make_pairs(kind: str, n_pairs: int, seed: int) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(level name, body a, body b) pairs and the base bodies (for timing)."""
    rng = random.Random(seed)
    if kind == "vietnamese":
        bases = [vietnamese_article(rng, rng.randint(1200, 4500)) for _ in range(n_pairs + 1)]
        fresh = lambda: _zipf_words(rng, 1)[0]  # noqa: E731
        extra = lambda: vietnamese_article(rng, 400)[0]  # noqa: E731
    else:
        bases = synthetic_articles(n_pairs + 1, seed)
        from vncyberdata.synthetic import WORDS, page

        fresh = lambda: rng.choice(WORDS)  # noqa: E731
        extra = lambda: page(rng, 0)["body"][0]  # noqa: E731
    pairs = []
    for i in range(n_pairs):
        name, how, amount = LEVELS[i % len(LEVELS)]
        base = bases[i]
        if how == "edit":
            other = edited(rng, base, amount, fresh)
        elif how == "add":
            other = list(base)
            other.insert(rng.randint(0, len(other)), extra())
        elif how == "remove":
            other = list(base)
            if len(other) > 1:
                del other[rng.randrange(len(other))]
        else:
            other = bases[i + 1]
        pairs.append((name, "\n".join(base), "\n".join(other)))
    return pairs, ["\n".join(b) for b in bases[:n_pairs]]


def true_jaccard(a: str, b: str) -> float:
    sa, sb = set(sketch.shingles(a)), set(sketch.shingles(b))
    return len(sa & sb) / len(sa | sb)


def evaluate(pairs, method) -> dict[str, np.ndarray]:
    sig_a = np.array([method(a) for _, a, _ in pairs], dtype=np.uint64)
    sig_b = np.array([method(b) for _, _, b in pairs], dtype=np.uint64)
    candidate = (minhash.band_keys(sig_a) == minhash.band_keys(sig_b)).any(axis=1)
    estimate = (sig_a == sig_b).sum(axis=1) / minhash.NUM_PERM
    return {"candidate": candidate, "estimate": estimate, "linked": candidate & (estimate >= minhash.THRESHOLD)}


def ms_per_article(function, texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000 / len(texts)


def _share(hits: int, total: int) -> str:
    if not total:
        return "-"
    p = hits / total
    return f"{p:.3f} ± {math.sqrt(p * (1 - p) / total):.3f} ({hits}/{total})"


def report(kind: str, n_pairs: int, seed: int, repeat: int) -> None:
    pairs, bases = make_pairs(kind, n_pairs, seed)
    truth = np.array([true_jaccard(a, b) for _, a, b in pairs])
    positive = truth >= minhash.THRESHOLD
    names = np.array([name for name, _, _ in pairs])
    results = {label: evaluate(pairs, method) for label, method in METHODS.items()}
    chars = sum(map(len, bases)) / len(bases)
    print(f"\n== corpus {kind}: {len(pairs)} pairs, {int(positive.sum())} with true Jaccard >= {minhash.THRESHOLD} "
          f"(articles: mean {chars:,.0f} characters) ==")
    print(f"{'method':<24} {'candidate recall':<28} {'judged recall':<28} {'precision':<28} {'mean |err|':>10}")
    for label, r in results.items():
        linked = r["linked"]
        print(f"{label:<24} {_share(int((r['candidate'] & positive).sum()), int(positive.sum())):<28} "
              f"{_share(int((linked & positive).sum()), int(positive.sum())):<28} "
              f"{_share(int((linked & positive).sum()), int(linked.sum())):<28} "
              f"{np.abs(r['estimate'] - truth).mean():>10.4f}")
    labels = list(results)
    print(f"\n{'level':<14} {'pairs':>5} {'true J mean':>11} {'true >= T':>9}  " + "  ".join(
        f"{'cand / linked / |err| ' + label.split()[0]:>30}" for label in labels))
    for name, _, _ in LEVELS:
        at = names == name
        if not at.any():
            continue
        cells = [f"{results[label]['candidate'][at].mean():>8.3f} / {results[label]['linked'][at].mean():.3f} / "
                 f"{np.abs(results[label]['estimate'][at] - truth[at]).mean():.4f}" for label in labels]
        print(f"{name:<14} {int(at.sum()):>5} {truth[at].mean():>11.3f} {positive[at].mean():>9.3f}  "
              + "  ".join(f"{c:>30}" for c in cells))
    near = np.abs(truth - minhash.THRESHOLD) < 0.05
    first, second = (results[label]["linked"] for label in labels)
    only_first, only_second = int((first & ~second).sum()), int((second & ~first).sum())
    z = (only_first - only_second) / math.sqrt(only_first + only_second) if only_first + only_second else 0.0
    print(f"pairs within 0.05 of the threshold: {int(near.sum())}. Decisions differ on {only_first + only_second} "
          f"pairs: linked by {labels[0].split()[0]} only {only_first}, by {labels[1].split()[0]} only {only_second} "
          f"(McNemar z = {z:+.2f}; |z| < 2: the same within noise)")
    timed = bases[: min(len(bases), 500)]
    keys = [key_text(t) for t in timed]
    print(f"\nms per article ({len(timed)} articles, mean {sum(map(len, timed)) / len(timed):,.0f} characters, "
          f"best of {repeat}):")
    print(f"  key_text alone (shared with content_hash)  {ms_per_article(key_text, timed, repeat):.3f}")
    print(f"  old signature(body)                        {ms_per_article(old_signature, timed, repeat):.3f}")
    print(f"  new signature(body)                        {ms_per_article(sketch.signature, timed, repeat):.3f}")
    print(f"  old, given the key text                    {ms_per_article(old_key_signature, keys, repeat):.3f}")
    print(f"  new, given the key text (key_signature)    {ms_per_article(sketch.key_signature, keys, repeat):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=4000, help="pairs per corpus (levels in turn)")
    ap.add_argument("--corpus", choices=("both", "vietnamese", "synthetic"), default="both")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="timing runs (the best is kept)")
    args = ap.parse_args()
    print(f"THRESHOLD {minhash.THRESHOLD}, NUM_PERM {minhash.NUM_PERM}, LSH {minhash.BANDS} bands x "
          f"{minhash.BAND_ROWS} rows, word {minhash.SHINGLE_WORDS}-shingles")
    for kind in ("vietnamese", "synthetic") if args.corpus == "both" else (args.corpus,):
        report(kind, args.pairs, args.seed, args.repeat)


if __name__ == "__main__":
    main()
