"""Legacy Vietnamese encodings: round trips, the known mis-decodings, detection and no false alarms."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vncyberdata.intake import legacy
from vncyberdata.intake.legacy import (
    LEGACY_ENCODINGS,
    REPAIRS,
    decode_legacy,
    detect_bytes,
    detect_text,
    encode_legacy,
    repair,
)
from vncyberdata.synthetic import generate

REPO = Path(__file__).resolve().parent.parent

# The 134 letters Vietnamese adds to ASCII, built from Unicode alone (not from the module's tables).
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
_BASES = ["a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y"]
LOWER = sorted({unicodedata.normalize("NFC", b + t) for b in _BASES for t in _TONES if b + t not in "aeiouy"} | {"đ"})
UPPER = [c.upper() for c in LOWER]
assert len(LOWER) == 67 and all(len(c) == 1 for c in LOWER + UPPER)
ALL_LETTERS = "".join(LOWER + UPPER)
# TCVN3 writes every lowercase letter and the uppercase ones without a tone; no uppercase letter with a tone.
TCVN3_UPPER = "ĂÂÊÔƠƯĐ"
REPRESENTABLE = {
    "cp1258": ALL_LETTERS,
    "vni": ALL_LETTERS,
    "viqr": ALL_LETTERS,
    "tcvn3": "".join(LOWER) + TCVN3_UPPER,
}

PROSE = (
    "Lừa đảo trực tuyến: Điều 174 Bộ luật Hình sự quy định tội “lừa đảo chiếm đoạt tài sản”. "
    "Ông Nguyễn Văn Ẩn, Ủy viên Ban chấp hành, cho biết đối tượng giả danh Ngân hàng Ứng Hòa, "
    "gửi tin nhắn khẩn – yêu cầu khách hàng ở Quảng Ngãi, Đắk Lắk và Thừa Thiên Huế cung cấp mã OTP…\n"
)
PARAGRAPH = PROSE + "Các chữ cái: " + " ".join(ALL_LETTERS) + "\n"
_ASCII_PUNCT = str.maketrans({"“": '"', "”": '"', "–": "-", "…": "..."})


def tcvn3_safe(text: str) -> str:
    """The text with what TCVN3 cannot write (uppercase letters with a tone) in lowercase."""
    return "".join(c.lower() if c in ALL_LETTERS and c not in REPRESENTABLE["tcvn3"] else c for c in text)


def representable(text: str, encoding: str) -> str:
    if encoding == "viqr":
        return text.translate(_ASCII_PUNCT)
    return tcvn3_safe(text) if encoding == "tcvn3" else text


# ----------------------------------------------------------------------------------------------------------
# Round trips


def test_paragraph_covers_every_letter():
    assert set(ALL_LETTERS) <= set(PARAGRAPH) and len(set(ALL_LETTERS)) == 134


@pytest.mark.parametrize("encoding", LEGACY_ENCODINGS)
def test_paragraph_round_trips(encoding):
    text = representable(PARAGRAPH, encoding)
    assert set(REPRESENTABLE[encoding]) <= set(text)
    data = encode_legacy(text, encoding)
    assert decode_legacy(data, encoding) == text
    assert repair(data, encoding) == text
    if encoding == "viqr":
        assert data.isascii()


def test_tcvn3_has_no_uppercase_letters_with_tone():
    for c in UPPER:
        if c in TCVN3_UPPER:
            assert decode_legacy(encode_legacy(c, "tcvn3"), "tcvn3") == c
        else:
            with pytest.raises(ValueError, match="U\\+"):
                encode_legacy(c, "tcvn3")


def _alphabet(encoding: str) -> str:
    ascii_printable = "".join(map(chr, range(0x20, 0x7F))) + "\n\t"
    extra = "" if encoding == "viqr" else "“”‘’–—…\u00a0"
    return ascii_printable + REPRESENTABLE[encoding] + extra


@pytest.mark.parametrize("encoding", LEGACY_ENCODINGS)
def test_random_text_round_trips(encoding):
    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=_alphabet(encoding), max_size=40))
    def check(text):
        data = encode_legacy(text, encoding)
        assert decode_legacy(data, encoding) == text

    check()


@pytest.mark.parametrize("encoding", LEGACY_ENCODINGS)
def test_arbitrary_bytes_decode_to_nfc_or_raise_value_error(encoding):
    @settings(max_examples=150, deadline=None)
    @given(st.binary(max_size=60))
    def check(data):
        try:
            text = decode_legacy(data, encoding)
        except ValueError as err:
            assert "offset" in str(err)
        else:
            assert unicodedata.is_normalized("NFC", text)

    check()


# ----------------------------------------------------------------------------------------------------------
# The mis-decodings of "Lừa đảo trực tuyến" measured on this machine

PHRASE = "Lừa đảo trực tuyến"
MISDECODED = {
    "utf8-as-cp1252": "Lá»«a Ä‘áº£o trá»±c tuyáº¿n",
    "tcvn3-as-cp1252": "Lõa ®¶o trùc tuyÕn",
    "vni-as-cp1252": "Löøa ñaûo tröïc tuyeán",
    "viqr": "Lu+`a d-a?o tru+.c tuye^'n",
}


def test_tables_reproduce_the_measured_mis_decodings():
    assert PHRASE.encode("utf-8").decode("cp1252") == MISDECODED["utf8-as-cp1252"]
    assert encode_legacy(PHRASE, "tcvn3").decode("cp1252") == MISDECODED["tcvn3-as-cp1252"]
    assert encode_legacy(PHRASE, "vni").decode("cp1252") == MISDECODED["vni-as-cp1252"]
    # RFC 1456 writes đ as "dd"; the "d-" some converters write is read too.
    assert encode_legacy(PHRASE, "viqr") == b"Lu+`a dda?o tru+.c tuye^'n"
    assert decode_legacy(MISDECODED["viqr"].encode(), "viqr") == PHRASE
    assert decode_legacy(b"DDa^`u DDu+'c Dda?o", "viqr") == "Đầu Đức Đảo"


@pytest.mark.parametrize("name", sorted(MISDECODED))
def test_mis_decodings_are_detected_and_repaired(name):
    text = MISDECODED[name]
    found = detect_text(text)
    assert found is not None and found.encoding == name
    assert found.line == 1 and 0.5 < found.confidence <= 1
    assert found.sample and found.sample in text
    assert repair(text.encode("utf-8"), found.encoding) == PHRASE


@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni"])
def test_phrase_bytes_are_detected(encoding):
    found = detect_bytes(encode_legacy(PHRASE, encoding))
    assert found is not None and found.encoding == encoding
    assert (found.line, found.column) == (1, 2)


# ----------------------------------------------------------------------------------------------------------
# detect_bytes on a realistic paragraph (no uppercase letter with a tone, so TCVN3 can write it)

NEWS_5 = (
    "Công an thành phố Hà Nội vừa triệu tập ba đối tượng lừa đảo qua mạng xã hội.\n"
    "Theo cơ quan điều tra, nhóm này giả danh nhân viên ngân hàng để chiếm đoạt hơn 2 tỷ đồng.\n"
    "Người dân được khuyến cáo không cung cấp mã OTP cho bất kỳ ai, kể cả người tự xưng là công an.\n"
    "Đối tượng cầm đầu đã bị khởi tố theo Điều 174 Bộ luật Hình sự về tội “lừa đảo chiếm đoạt tài sản”.\n"
    "Vụ việc đang được mở rộng điều tra, làm rõ trách nhiệm của các cá nhân liên quan.\n"
)


def _first_high_byte(data: bytes) -> tuple[int, int]:
    pos = next(i for i, b in enumerate(data) if b > 0x7F)
    return data.count(b"\n", 0, pos) + 1, pos - (data.rfind(b"\n", 0, pos) + 1) + 1


@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_detect_bytes_names_the_encoding_of_a_news_paragraph(encoding, newline):
    data = encode_legacy(NEWS_5.replace("\n", newline), encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    found = detect_bytes(data)
    assert found is not None and found.encoding == encoding
    assert (found.line, found.column) == _first_high_byte(data)
    assert found.confidence > 0.9
    assert found.sample and found.sample in data.split(newline.encode())[found.line - 1].decode("cp1252")
    assert repair(data, found.encoding) == NEWS_5.replace("\n", newline)


def test_detect_bytes_evidence_on_a_later_line():
    data = b"Tin moi nhat\nHa Noi, 12/3\n" + encode_legacy("Công an cảnh báo lừa đảo", "vni")
    found = detect_bytes(data)
    assert found is not None and (found.encoding, found.line, found.column) == ("vni", 3, 3)
    assert found.sample == "Coâng an caûnh baùo löøa ñaûo"


@pytest.mark.parametrize(
    "data",
    [
        "Le café de la gare est fermé à cause de la grève; où est le garçon? Très déçu.".encode("latin-1"),
        "Müller und Söhne: Größe, Übergröße, schön und häßlich.".encode("cp1252"),
        "网络诈骗案件频发，警方提醒市民提高警惕。".encode("gbk"),
        "Ti\u1ebfng Vi\u1ec7t".encode("utf-16-le"),
    ],
)
def test_detect_bytes_says_none_when_nothing_fits(data):
    assert detect_bytes(data) is None


# ----------------------------------------------------------------------------------------------------------
# detect_text and repair on whole paragraphs


def _mis_decode(text: str, name: str) -> str:
    if name == "utf8-as-cp1252":  # the undefined bytes 0x81 0x8D 0x8F 0x90 0x9D come out as C1 controls
        undefined = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        return "".join(chr(b) if b in undefined else bytes([b]).decode("cp1252") for b in text.encode())
    if name == "viqr":
        return encode_legacy(text, "viqr").decode("ascii")
    return encode_legacy(text, name.split("-")[0]).decode("cp1252")


@pytest.mark.parametrize("name", sorted(MISDECODED))
def test_whole_paragraph_is_detected_and_repaired(name):
    original = NEWS_5 if name.startswith("tcvn3") else representable(PROSE, name)
    broken = _mis_decode(original, name)
    found = detect_text(broken)
    assert found is not None and found.encoding == name and found.confidence > 0.9
    assert repair(broken.encode("utf-8"), name) == original


def test_utf8_repair_leaves_the_right_parts_alone():
    mixed = "Tiêu đề đúng “chuẩn” – ĐÃ xong.\nLá»«a Ä‘áº£o: Ä\x90iá»\x81u 174, á»\x8f vÃ\xa0 á»\x9d\n"
    assert repair(mixed.encode(), "utf8-as-cp1252") == "Tiêu đề đúng “chuẩn” – ĐÃ xong.\nLừa đảo: Điều 174, ỏ và ờ\n"


def test_tcvn3_capitals_are_restored_where_the_word_is_in_capitals():
    broken = "LõA ®¶O TRùC TUYÕN: c¶nh b¸o"  # typed in capitals with the lowercase-font codes
    assert repair(broken.encode(), "tcvn3-as-cp1252") == "LỪA ĐẢO TRỰC TUYẾN: cảnh báo"
    assert repair("TRùC BÐ".encode("cp1252"), "tcvn3") == "TRỰC Bé"  # "Bé" is in title case


def test_viqr_repair_keeps_what_is_not_vietnamese():
    viqr = "Xem https://example.vn/a-b?c=1 hoa(.c e.g. lienhe@example.vn, to^'i nay\\."
    assert repair(viqr.encode(), "viqr") == "Xem https://example.vn/a-b?c=1 hoặc e.g. lienhe@example.vn, tối nay."
    # decode_legacy follows RFC 1456 to the letter: a mark after a vowel is a mark.
    assert "examplẹvn" in decode_legacy(viqr.encode(), "viqr")


def test_detect_text_position_with_crlf_and_bom():
    text = "\ufeffTiêu đề bình thường\r\nDòng hai\r\n  Lá»«a Ä‘áº£o trá»±c tuyáº¿n\r\n"
    found = detect_text(text)
    assert found is not None and (found.encoding, found.line, found.column) == ("utf8-as-cp1252", 3, 4)
    assert found.sample == "Lá»«a Ä‘áº£o trá»±c tuyáº¿n"
    found = detect_text("Lõa ®¶o trùc tuyÕn")
    assert found is not None and (found.line, found.column) == (1, 5)  # "Lõa" is Vietnamese as it stands


# ----------------------------------------------------------------------------------------------------------
# No false alarms

NEWS = [
    "Theo Điều 174 Bộ luật Hình sự, người nào dùng thủ đoạn gian dối chiếm đoạt tài sản trị giá từ "
    "2.000.000 đồng trở lên thì bị phạt tù. “Đây là thủ đoạn không mới”, đại tá Nguyễn Văn A. – Trưởng "
    "phòng Cảnh sát hình sự – cho biết. Người dân có thể phản ánh qua https://example.vn/a-b?c=1 hoặc "
    "e-mail lienhe@example.vn. (Ảnh: TTXVN)",
    "V/v cảnh báo lừa đảo qua mạng xã hội\nKính gửi: Ủy ban nhân dân các phường, xã - thị trấn...\n"
    "Thời gian qua, nhiều đối tượng giả danh cơ quan chức năng gọi điện, nhắn tin yêu cầu chuyển "
    "1.000.000 đồng \"phí hồ sơ\". Mọi thắc mắc xin gọi 0243.123.456 hoặc truy cập www.baomoi.vn/tin-moi.",
    "TP.HCM: Bắt giữ nhóm đối tượng lừa đảo hơn 50 tỷ đồng qua ứng dụng đầu tư tiền ảo\n"
    "Sáng 12/3, Công an TP.HCM cho biết đã khởi tố vụ án, bắt tạm giam 5 bị can về tội lừa đảo "
    "chiếm đoạt tài sản. Trước đó, bà T. (45 tuổi, ngụ Q.1) bị dụ nạp tiền vào ứng dụng \"VinaCoin\"… "
    "Ông Lê Văn Ổn, Phó trưởng phòng, khuyến cáo: \"Không cài ứng dụng lạ, không bấm đường link lạ!\"",
    "Hoà Bình, Thanh Hóa và Khánh Hoà: mùa lũ năm nay, thuỷ điện xả lũ; thủy sản thiệt hại, "
    "người dân khoẻ mạnh, khỏe re. Uỷ ban, Ủy ban, hoà giải, hòa giải, quý khách, qúy khách.",
    "ĐIỀU TRA VỤ LỪA ĐẢO “VIỆC NHẸ LƯƠNG CAO” – ĐÃ CÓ 12 NẠN NHÂN… “ĐÃ”, “ĐÓ” VÀ “THÌ…”",
]
ENGLISH = [
    "Police in Hanoi warned on Monday that scammers posing as bank staff had stolen more than $2 million. "
    "\"Don't share your OTP with anyone,\" said Col. Nguyen, adding that victims should call 113. What? "
    "Yes, e.g. via https://example.com/report?id=1 or report@example.org. It's 9 a.m. in the U.S.",
    "C++ and rock'n'roll, what? e.g. i.e. I'm, you're, O'Brien, ma'am, Hawai'i, D-Day, odd address, "
    "Notepad++, (a+b)^2, U+0301, blood type O+, Is that so? Go. He said no. Why? Because... - end",
    "Café, naïve, résumé, Pokémon, Zürich, São Paulo, José Müller, Straße, año, señor, ¿qué?, sí, tú, "
    "Perú, Thaï, Noël, garçon, déjà vu, 30°C, ©2024, Samsung®, 5 × 3 ÷ 2, «quoted», ½ cup.",
]


@pytest.mark.parametrize("text", NEWS + ENGLISH)
def test_no_false_alarm(text):
    assert detect_text(text) is None


@pytest.mark.parametrize("snippet", ["C++", "rock'n'roll", "what?", "e.g.", "I'm here. Is it so? Go.", "Điều 174", "V/v", "-", "..."])
def test_no_false_alarm_on_snippets(snippet):
    assert detect_text(snippet) is None


WORDS = sorted({w for text in NEWS + [PROSE, NEWS_5] for w in text.split()})


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", " ", " ", ", ", ". ", "\n", " – ", " “", "” ", "... "])),
        max_size=40,
    )
)
def test_no_false_alarm_on_shuffled_news_words(pairs):
    assert detect_text("".join(w + sep for w, sep in pairs)) is None


@pytest.mark.parametrize("name", sorted(MISDECODED))
def test_repaired_text_is_not_flagged_again(name):
    broken = _mis_decode(NEWS_5 if name.startswith("tcvn3") else representable(PROSE, name), name)
    assert detect_text(repair(broken.encode(), name)) is None


def _repo_pages() -> list[Path]:
    skip = ("legacy", "mojibake", "tcvn", "vni", "viqr", "cp1258")
    pages = sorted((REPO / "raw").glob("*.txt")) + sorted((REPO / "tests" / "fixtures" / "pages").glob("*.txt"))
    return [p for p in pages if not any(s in p.name.lower() for s in skip)]


def test_no_false_alarm_on_the_repository_pages():
    pages = _repo_pages()
    if not pages:
        pytest.skip("no pages in the repository")
    for page in pages:
        assert detect_text(page.read_text(encoding="utf-8")) is None, page.name


# ----------------------------------------------------------------------------------------------------------
# Errors and the table cross-check


def test_errors_name_the_offset():
    with pytest.raises(ValueError, match=r"0x81 at offset 3 \(line 1, column 4\)"):
        decode_legacy(b"abc\x81", "cp1258")
    with pytest.raises(ValueError, match=r"offset 5 \(line 2, column 2\)"):
        decode_legacy(b"abc\nx\x90", "tcvn3")
    with pytest.raises(ValueError, match="offset 0"):
        decode_legacy(b"\xdf", "vni")  # ß has no VNI meaning
    with pytest.raises(ValueError, match="offset 1"):
        decode_legacy(b"a\xff", "viqr")
    with pytest.raises(ValueError, match="U\\+00DF"):
        encode_legacy("ß", "vni")
    with pytest.raises(ValueError, match="U\\+201C"):
        encode_legacy("“", "viqr")
    with pytest.raises(ValueError, match="unknown"):
        decode_legacy(b"", "viscii")
    with pytest.raises(ValueError, match="unknown"):
        repair(b"", "latin-9")
    assert set(LEGACY_ENCODINGS) < set(REPAIRS)


def test_tcvn3_combining_marks_only_after_a_vowel():
    # VN2's combining tones 0xB0-0xB4 go on a vowel; elsewhere the byte is the sign a VN3 font shows.
    assert decode_legacy(b"a\xb3 30\xb0C", "tcvn3") == "á 30°C"


@pytest.mark.skipif(shutil.which("iconv") is None, reason="no iconv")
def test_tcvn3_table_agrees_with_glibc():
    positions = [b for b in range(0xA0, 0x100) if not 0xB0 <= b <= 0xB4]
    run = subprocess.run(
        ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=b"\n".join(bytes([b]) for b in positions), capture_output=True
    )
    if run.returncode != 0:
        pytest.skip("this iconv has no TCVN5712-1")
    theirs = run.stdout.decode("utf-8").split("\n")
    ours = [decode_legacy(bytes([b]), "tcvn3") for b in positions]
    assert ours == theirs


# ----------------------------------------------------------------------------------------------------------
# The tables in data/legacy/, as the installed package ships them


def _table_rows(name: str) -> list[list[str]]:
    text = resources.files("vncyberdata").joinpath(f"data/legacy/{name}").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [line.split("\t") for line in lines[1:]]


_COMBINING = {"breve": "\u0306", "circumflex": "\u0302", "grave": "\u0300", "acute": "\u0301", "hook": "\u0309"}
_COMBINING |= {"tilde": "\u0303", "dot": "\u0323"}


def _char(field: str) -> str:
    return chr(int(field[2:], 16)) if field.startswith("U+") else field


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_byte_tables_ship_and_agree_with_cp1252_and_the_codec(encoding):
    rows = _table_rows(f"{encoding}.tsv")
    assert len({row[0] for row in rows}) == len(rows) and all(len(row) == 4 for row in rows)
    for byte, reads, shown, kind in rows:
        b = int(byte, 16)
        assert 0x80 <= b <= 0xFF and _char(shown) == bytes([b]).decode("cp1252")  # the documentation column
        if kind == "cp1252":
            assert reads == shown
        if reads.startswith("+"):  # diacritics: they go on the vowel before
            vowel = "A" if kind == "uppercase" else "a"
            combining = "".join(_COMBINING[name] for name in reads.split("+")[1:])
            assert decode_legacy(vowel.encode() + bytes([b]), encoding) == unicodedata.normalize("NFC", vowel + combining)
        else:
            assert decode_legacy(bytes([b]), encoding) == _char(reads)
            if kind != "VN2":
                assert encode_legacy(_char(reads), encoding) == bytes([b])
    kinds = sorted(row[3] for row in rows)
    if encoding == "tcvn3":  # 67 lowercase letters, 7 uppercase without tone and NBSP; VN2: 16 letters, 5 tones
        assert (kinds.count("VN3"), kinds.count("VN2"), kinds.count("cp1252")) == (75, 21, 27)
    else:  # uppercase diacritics sit 0x20 below the lowercase ones
        marks = {(row[1], row[3]): int(row[0], 16) for row in rows if row[1].startswith("+")}
        assert len(marks) == 34
        assert all(marks[(m, "uppercase")] == b - 0x20 for (m, k), b in marks.items() if k == "lowercase")
        assert kinds.count("VNI") == 18


def test_viqr_and_rhyme_tables_ship():
    assert {char for char, _ in _table_rows("viqr.tsv")} == set("(^+'`?~.")
    text = resources.files("vncyberdata").joinpath("data/legacy/rhymes.txt").read_text(encoding="utf-8")
    rhymes = " ".join(line for line in text.splitlines() if not line.startswith("#")).split()
    assert len(rhymes) == len(set(rhymes)) == 164 and {"a", "ương", "uyêt", "ăk"} <= set(rhymes)


# ----------------------------------------------------------------------------------------------------------
# detect_text's shortcut (issue 19) changes no result

# Results of detect_text before the shortcut existed, on texts that take each road to evidence.
KNOWN = {
    "Caùc coâng ty vaø ngaân haøng": ("vni-as-cp1252", 0.969, 1, 3, "Caùc coâng ty vaø ngaân haøng"),  # Latin-1 only
    "vÒ vÒ": ("tcvn3-as-cp1252", 0.75, 1, 2, "vÒ vÒ"),  # Latin-1 only, malformed by its case
    "Lõa\x85 tõ\x85": ("tcvn3-as-cp1252", 0.75, 1, 2, "Lõa\x85 tõ"),  # NEL: white space to str.split()
    "Tin: Lõa\x85 vµ Lõa\x85": ("tcvn3-as-cp1252", 0.875, 1, 7, "Lõa\x85 vµ Lõa"),
    "â\x85€ â\x85€": ("utf8-as-cp1252", 0.75, 1, 1, "â\x85€ â\x85€"),
    "thÃ\xa0nh phá»‘ HÃ\xa0 Ná»™i": ("utf8-as-cp1252", 0.875, 1, 3, "thÃ\xa0nh phá»‘ HÃ\xa0 Ná»™i"),
    "NgÆ°á»\x9di dÃ¢n": ("utf8-as-cp1252", 0.75, 1, 3, "NgÆ°á»\x9di dÃ¢n"),
    "DDa`u tu+ ddu+o+.c": ("viqr", 0.875, 1, 1, "DDa`u tu+ ddu+o+.c"),
    "Giá 30°C, xem baomoi.com e.g. hoặc a.m. – “Đây” là tin": None,
    "Café, Zürich, José; caùc": None,
}


@pytest.mark.parametrize("text", sorted(KNOWN))
def test_detect_text_known_results(text):
    found = detect_text(text)
    got = None if found is None else (found.encoding, found.confidence, found.line, found.column, found.sample)
    assert got == KNOWN[text]
    assert found == legacy._detect_text(text)


def _texts_in_the_repository() -> list[str]:
    paths = sorted((REPO / "tests" / "fixtures").rglob("*.txt")) + sorted((REPO / "raw").glob("*.txt"))
    return [p.read_bytes().decode("utf-8", errors="replace") for p in paths]


def test_detect_text_shortcut_agrees_on_the_repository_texts_and_samples():
    samples = list(MISDECODED.values())
    for name in sorted(MISDECODED):
        samples.append(_mis_decode(representable(NEWS_5, name), name))
        samples.append(_mis_decode(representable(tcvn3_safe(PROSE), name), name))
    for text in _texts_in_the_repository() + samples + NEWS + ENGLISH + [PROSE, PARAGRAPH, NEWS_5]:
        assert detect_text(text) == legacy._detect_text(text), text[:80]


def test_ordinary_text_takes_the_shortcut(tmp_path):
    pages = [p.read_text(encoding="utf-8") for p in generate(20, tmp_path, 0) if p.suffix == ".txt"]
    pages += [p.read_text(encoding="utf-8") for p in _repo_pages()]
    for text in pages + NEWS + [PROSE, PARAGRAPH]:
        assert not legacy._clues(text[: legacy._SCAN_LIMIT]), text[:80]


def _word_variants(word: str) -> list[str]:
    out = [word]
    for name in sorted(MISDECODED):
        try:
            out.append(_mis_decode(tcvn3_safe(word), name))
        except ValueError:
            pass
    return out


MIXED_WORDS = sorted({v for w in WORDS for v in _word_variants(w)} | {w for text in KNOWN for w in text.split()})
SEPARATORS = [" ", " ", ", ", "\n", "\r\n", "\t", "\u00a0", "\x85", "\u2003", "\u3000", "\x1c", " “", "” ", "... "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(MIXED_WORDS), st.sampled_from(SEPARATORS)), max_size=30))
def test_detect_text_shortcut_agrees_on_mixed_words(pairs):
    text = "".join(w + sep for w, sep in pairs)
    assert detect_text(text) == legacy._detect_text(text)


# Every character class the clue pattern and the Latin-1 words look at, and a few around them.
SCAN_ALPHABET = sorted(set("aeoAEOuUiIyYdDqnhgtT^(+'`?~.-,; \n\t\u00a0\x85") | set(legacy._LATIN1)
                       | set("ạếưđĐơƠ€ƒ…‚‘’“”•–—˜™šœžŸ") | {chr(c) for c in range(0x80, 0x100)})


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=SCAN_ALPHABET, max_size=40) | st.lists(st.sampled_from(MIXED_WORDS + SEPARATORS), max_size=12).map("".join))
def test_the_compiled_scan_finds_what_the_patterns_find(text):
    """legacy_scan's walk: no result exactly where `_CLUE` matches; else the `_LATIN1_WORD`s and their starts."""
    from vncyberdata.intake.legacy_scan import Scanner

    scanner = Scanner(f"[{legacy._ODD}]", legacy.CONT, legacy._LEAD, legacy._LATIN1)
    found = scanner.scan(text)
    assert (found is None) == (legacy._CLUE.search(text) is not None)
    if found is not None:
        words = set(legacy._LATIN1_WORD.findall(text))
        assert found.new_words() == words
        some = set(sorted(words)[::2])
        assert found.starts(some) == sorted(m.start() for m in legacy._LATIN1_WORD.finditer(text) if m.group() in some)
        scanner.learn(some)
        assert found.new_words() == words - {w for w in some if len(w) <= 9}
        again = scanner.scan(text)  # the known words are left out by the walk itself now
        rest = words - {w for w in some if len(w) <= 9}
        assert again.new_words() == rest
        assert again.starts(rest) == sorted(m.start() for m in legacy._LATIN1_WORD.finditer(text) if m.group() in rest)


def test_the_scan_keys_long_words_and_leaves_other_planes_to_the_patterns():
    from vncyberdata.intake.legacy_scan import KEY_LETTERS

    scanner = legacy._SCANNER
    for word in ("à", "thành", "Ýxxxxxxxx", "ÀÁÂÃÈÉÊÌÍ", "zzzzzzzzzzzzzzzzá"):
        assert len(word) > KEY_LETTERS or scanner.word(scanner.key(word)) == word
    text = "Hà Nội xxxxxxxxxxxxxxxá và zzzzzzzzzzzzzzzzzzzzá"
    found = scanner.scan(text)
    assert {"xxxxxxxxxxxxxxxá", "zzzzzzzzzzzzzzzzzzzzá"} <= found.new_words()
    assert found.starts({"zzzzzzzzzzzzzzzzzzzzá"}) == [text.index("zzz")]
    assert scanner.scan("Hà Nội 😀 và") is None  # beyond the BMP: the patterns decide (_spots)
    assert detect_text("Hà Nội 😀 và thành phố") is None
