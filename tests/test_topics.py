"""The topic taxonomy (data/topics.toml) and the matcher (vncyberdata.parse.topics)."""

from __future__ import annotations

import re
import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vncyberdata.parse.topics import Taxonomy, Topic, default_taxonomy, load_taxonomy, match_key, match_topics, tone_key

TAX = load_taxonomy()
ALL_TERMS = sorted({term for t in TAX.topics for term in t.terms})
EXPECTED_TOPICS = [
    "online_fraud",
    "impersonation",
    "malware_hacking",
    "online_gambling",
    "money_laundering",
    "data_privacy",
    "international_cooperation",
    "arrest_prosecution",
    "cybersecurity_policy",
]

# Two real texts (abridged as quoted in the brief).
A = (
    "Việt Nam chủ động phối hợp quốc tế ngăn chặn tội phạm mạng, bảo vệ công dân. Người phát ngôn Bộ Ngoại "
    "giao khẳng định, Việt Nam đã tích cực hoàn thiện hành lang pháp lý, tăng cường hợp tác quốc tế để phòng, "
    "chống tội phạm mạng. ... các hoạt động lừa đảo trực tuyến ... Lễ mở ký Công ước Hà Nội"
)
B = (
    "Tăng cường hợp tác quốc tế phòng, chống tội phạm mạng ... Văn phòng INTERPOL Việt Nam ... Chiến dịch triệt "
    "phá các phần mềm đánh cắp thông tin"
)


def topics_of(text: str, taxonomy: Taxonomy | None = None) -> dict[str, list[str]]:
    return dict(match_topics(text, taxonomy))


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# --- the packaged taxonomy ---


def test_packaged_taxonomy_loads():
    assert TAX.version == 1
    assert [t.id for t in TAX.topics][: len(EXPECTED_TOPICS)] == EXPECTED_TOPICS
    assert load_taxonomy(None) is default_taxonomy() is TAX


def test_packaged_terms_are_clean():
    for topic in TAX.topics:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", topic.id)
        assert topic.label_vi and topic.label_en and topic.description
        assert topic.terms, topic.id
        for term in topic.terms:
            assert unicodedata.is_normalized("NFC", term), (topic.id, term)
            assert term == term.lower(), (topic.id, term)
            assert term == " ".join(term.split()), (topic.id, term)
        assert len(set(topic.terms)) == len(topic.terms), topic.id
        # not even the same term in the other tone style
        assert len({match_key(term) for term in topic.terms}) == len(topic.terms), topic.id


def test_packaged_taxonomy_has_the_penal_code_articles():
    arrest = TAX.topic("arrest_prosecution").terms
    assert "điều 174" in arrest and "điều 290" in arrest


def test_every_packaged_term_matches_itself():
    for topic in TAX.topics:
        for term in topic.terms:
            assert term in topics_of(f"… {term.upper()} …").get(topic.id, []), (topic.id, term)


# --- validation ---


def toml(*topics: str, version: str = "version = 1") -> str:
    return version + "\n" + "\n".join(topics)


def topic_table(topic_id: str = "a_topic", terms: str = '["lừa đảo"]', extra: str = "") -> str:
    return (
        f'[[topic]]\nid = "{topic_id}"\nlabel_vi = "Chủ đề"\nlabel_en = "Topic"\n'
        f'description = "A topic."\nterms = {terms}\n{extra}'
    )


def test_a_small_taxonomy_loads():
    tax = load_taxonomy(toml(topic_table("one"), topic_table("two", '["cá độ", "nhà cái"]')))
    assert tax == Taxonomy(
        1,
        (
            Topic("one", "Chủ đề", "Topic", "A topic.", ("lừa đảo",)),
            Topic("two", "Chủ đề", "Topic", "A topic.", ("cá độ", "nhà cái")),
        ),
    )


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (toml(topic_table("dup"), topic_table("dup")), ["duplicate topic id", "dup"]),
        (toml(topic_table("empty", "[]")), ["empty terms", "empty"]),
        (toml(topic_table("noterms", "[]").replace("terms = []\n", "")), ["empty terms", "noterms"]),
        (toml(topic_table("decomposed", f'["{nfd("lừa đảo")}"]')), ["not NFC", "decomposed", nfd("lừa đảo")]),
        (toml(topic_table("upper", '["Lừa Đảo"]')), ["not lower case", "upper", "Lừa Đảo"]),
        (toml(topic_table("twice", '["cá độ", "nhà cái", "cá độ"]')), ["listed twice", "twice", "cá độ"]),
        (toml(topic_table("tones", '["mã hóa", "mã hoá"]')), ["the same term as", "tones", "mã hoá", "mã hóa"]),
        (toml(topic_table("spaces", '["lừa  đảo"]')), ["whitespace", "spaces", "lừa  đảo"]),
        (toml(topic_table("punct", '["-lừa đảo"]')), ["start and end", "punct", "-lừa đảo"]),
        (toml(topic_table("notstr", '["cá độ", 3]')), ["non-empty string", "notstr"]),
        (toml(topic_table("Bad-Id")), ["snake_case", "Bad-Id"]),
        (toml(topic_table("typo", extra='term = ["x"]\n')), ["unknown key", "typo", "term"]),
        (toml(topic_table("nolabel").replace('label_en = "Topic"\n', "")), ["label_en", "nolabel"]),
        (toml(), ["no [[topic]]"]),
        (toml(topic_table(), version='version = "1"'), ["version"]),
        (toml(topic_table(), version="version = 0"), ["version"]),
        ("version = 1\n[[topic]\n", []),  # not TOML at all: still a ValueError
    ],
)
def test_bad_taxonomies_raise(text, needles):
    with pytest.raises(ValueError) as err:
        load_taxonomy(text)
    for needle in needles:
        assert needle in str(err.value), (needle, str(err.value))


# --- tone placement ---


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("uỷ ban", "ủy ban"),
        ("khoẻ", "khỏe"),
        ("toà án", "tòa án"),
        ("mã hoá", "mã hóa"),
        ("hoạ sĩ", "họa sĩ"),
        ("loã", "lõa"),
        ("oà khóc", "òa khóc"),
        ("Thuỵ Điển", "Thụy Điển"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Khoẻ", "Khỏe"),
    ],
)
def test_tone_key_makes_both_styles_equal(old, new):
    assert tone_key(old) == tone_key(new) == new
    assert tone_key(nfd(old)) == new


@pytest.mark.parametrize(
    "word",
    ["hoàng", "thuyết", "khoèo", "ngoài", "quý", "quỷ", "quà", "hoặc", "xoắn", "khuya", "lúa", "hòa", "", "abc"],
)
def test_tone_key_leaves_other_syllables_alone(word):
    assert tone_key(word) == word


def test_tone_key_moves_a_tone_off_the_u_of_qu():
    assert tone_key("qúy") == "quý"
    assert tone_key("qủy") == "quỷ"
    assert tone_key("qúôc") == "quốc"


ONSETS = ["", "h", "kh", "t", "th", "l", "x", "s", "ng", "ch", "tr", "H", "TH"]
TONES = ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]


@given(
    st.sampled_from(ONSETS),
    st.sampled_from(["oa", "oe", "uy", "OA", "Oe", "UY"]),
    st.sampled_from(TONES),
    st.sampled_from(["", " ", ", ", " ban"]),
)
def test_tone_key_syllables(onset, cluster, tone, after):
    old = unicodedata.normalize("NFC", onset + cluster + tone + after)
    new = unicodedata.normalize("NFC", onset + cluster[0] + tone + cluster[1] + after)
    assert tone_key(old) == tone_key(new) == new


@given(st.text())
def test_tone_key_is_idempotent_and_nfc(s):
    k = tone_key(s)
    assert unicodedata.is_normalized("NFC", k)
    assert tone_key(k) == k


# --- matching: one or two realistic paragraphs per topic ---

PARAGRAPHS = {
    "online_fraud": (
        "Thời gian qua, Công an tỉnh liên tục nhận được đơn trình báo của người dân bị lừa đảo qua mạng. Các "
        "đối tượng đăng tin tuyển cộng tác viên online với lời mời “việc nhẹ lương cao”, yêu cầu nạn nhân làm "
        "nhiệm vụ online để nhận hoa hồng, sau đó dụ dỗ nạp tiền đầu tư tiền ảo trên một sàn giao dịch ảo rồi "
        "chiếm đoạt tài sản.",
        {"lừa đảo qua mạng", "việc nhẹ lương cao", "làm nhiệm vụ online", "đầu tư tiền ảo", "sàn giao dịch ảo"},
    ),
    "impersonation": (
        "Công an TP Hà Nội cảnh báo thủ đoạn giả danh cán bộ công an gọi điện thông báo người dân liên quan "
        "đến một vụ án, yêu cầu cài ứng dụng giả mạo để “xác minh”. Gần đây, các đối tượng còn dùng công nghệ "
        "deepfake ghép mặt, giả giọng nói người thân trong cuộc gọi video.",
        {"giả danh cán bộ công an", "ứng dụng giả mạo", "công nghệ deepfake", "ghép mặt", "giả giọng nói"},
    ),
    "malware_hacking": (
        "Theo Cục An toàn thông tin, trong quý III đã ghi nhận hơn 1.200 cuộc tấn công mạng vào các hệ thống "
        "thông tin tại Việt Nam. Nhóm tin tặc sử dụng mã độc tống tiền (ransomware) để mã hoá dữ liệu của "
        "doanh nghiệp, đòi tiền chuộc bằng tiền điện tử.",
        {"cuộc tấn công mạng", "tin tặc", "mã độc tống tiền", "ransomware", "mã hóa dữ liệu"},
    ),
    "online_gambling": (
        "Công an tỉnh Thanh Hoá vừa triệt phá đường dây đánh bạc qua mạng với tổng số tiền giao dịch hơn "
        "1.000 tỷ đồng. Các đối tượng lập nhiều trang web cờ bạc, tổ chức cá độ bóng đá và game bài đổi "
        "thưởng, thu hút hàng nghìn người chơi.",
        {"đánh bạc qua mạng", "trang web cờ bạc", "cá độ bóng đá", "game bài đổi thưởng"},
    ),
    "money_laundering": (
        "Để che giấu dòng tiền, đường dây sử dụng hàng trăm tài khoản ngân hàng thuê của sinh viên, chuyển "
        "tiền qua nhiều lớp rồi quy đổi sang tiền điện tử nhằm rửa tiền. Cơ quan điều tra xác định các đối "
        "tượng còn mua bán tài khoản ngân hàng trên mạng xã hội.",
        {"tài khoản ngân hàng thuê", "rửa tiền", "mua bán tài khoản ngân hàng"},
    ),
    "data_privacy": (
        "Từ ngày 1/7/2023, Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân chính thức có hiệu lực. Tuy "
        "nhiên, tình trạng mua bán thông tin cá nhân, lộ lọt dữ liệu khách hàng vẫn diễn ra phổ biến trên "
        "các hội nhóm mạng xã hội.",
        {"nghị định 13", "13/2023/nđ-cp", "bảo vệ dữ liệu cá nhân", "mua bán thông tin cá nhân", "lộ lọt dữ liệu"},
    ),
    "international_cooperation": (
        "Bộ Công an đã phối hợp với Văn phòng Interpol và cảnh sát Campuchia tiếp nhận, dẫn độ 3 đối tượng bị "
        "truy nã đỏ về nước. Hai bên thống nhất tăng cường tương trợ tư pháp trong phòng, chống tội phạm "
        "xuyên quốc gia.",
        {"văn phòng interpol", "dẫn độ", "truy nã đỏ", "tương trợ tư pháp", "tội phạm xuyên quốc gia"},
    ),
    "arrest_prosecution": (
        "Ngày 12/3, Cơ quan Cảnh sát điều tra đã ra quyết định khởi tố vụ án, khởi tố bị can và bắt tạm giam "
        "Nguyễn Văn A (SN 1990) về tội “Sử dụng mạng máy tính, mạng viễn thông, phương tiện điện tử thực hiện "
        "hành vi chiếm đoạt tài sản” theo Điều 290 Bộ luật Hình sự.",
        {"khởi tố vụ án", "khởi tố bị can", "tạm giam", "điều 290", "bộ luật hình sự"},
    ),
    "cybersecurity_policy": (
        "Luật An ninh mạng có hiệu lực từ ngày 1/1/2019 đã tạo hành lang pháp lý quan trọng để bảo vệ chủ "
        "quyền số. Bộ Công an đang phối hợp xây dựng chiến lược an ninh mạng quốc gia và tổ chức diễn tập an "
        "ninh mạng hằng năm.",
        {"luật an ninh mạng", "hành lang pháp lý", "chủ quyền số", "chiến lược an ninh mạng", "diễn tập an ninh mạng"},
    ),
}

TRIAL = (
    "Tòa án nhân dân TP.HCM mở phiên toà xét xử 5 bị cáo về tội lừa đảo chiếm đoạt tài sản theo Điều 174 Bộ "
    "luật Hình sự. Các bị cáo lập app tình cảm để làm quen nạn nhân; bị cáo cầm đầu bị tuyên phạt 20 năm tù."
)


@pytest.mark.parametrize("topic_id", list(PARAGRAPHS))
def test_paragraph_gets_its_topic(topic_id):
    text, expected_terms = PARAGRAPHS[topic_id]
    found = topics_of(text)
    assert topic_id in found
    assert expected_terms <= set(found[topic_id]), found[topic_id]
    # every way of writing the same paragraph gives the same answer
    for variant in (nfd(text), text.upper(), text.lower(), nfd(text.upper()), " \n ".join(text.split())):
        assert match_topics(variant) == match_topics(text)


def test_paragraphs_get_exactly_their_topics():
    assert [t for t, _ in match_topics(PARAGRAPHS["online_fraud"][0])] == ["online_fraud"]
    assert [t for t, _ in match_topics(PARAGRAPHS["online_gambling"][0])] == ["online_gambling", "arrest_prosecution"]
    assert [t for t, _ in match_topics(PARAGRAPHS["malware_hacking"][0])] == ["malware_hacking", "cybersecurity_policy"]
    assert [t for t, _ in match_topics(PARAGRAPHS["money_laundering"][0])] == ["money_laundering"]


def test_trial_paragraph():
    found = topics_of(TRIAL)
    assert found["arrest_prosecution"] == sorted(["bị cáo", "bộ luật hình sự", "phiên tòa", "xét xử", "điều 174", "năm tù"])
    assert found["online_fraud"] == ["app tình cảm", "chiếm đoạt tài sản", "lừa đảo chiếm đoạt tài sản"]
    assert list(found) == ["online_fraud", "arrest_prosecution"]


def test_matched_terms_are_sorted_distinct_and_written_as_in_the_taxonomy():
    found = topics_of("Mã hoá dữ liệu. MÃ HÓA DỮ LIỆU. mã hóa dữ liệu, mã hoá dữ liệu")
    assert found == {"malware_hacking": ["mã hóa dữ liệu"]}
    for _, terms in match_topics(" ".join(p for p, _ in PARAGRAPHS.values())):
        assert terms == sorted(set(terms))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("phiên toà xét xử", "phiên tòa xét xử"),
        ("bị mã hoá dữ liệu", "bị mã hóa dữ liệu"),
        ("hợp thức hoá dòng tiền", "hợp thức hóa dòng tiền"),
        ("đầu tư tiền mã hoá", "đầu tư tiền mã hóa"),
        ("giả danh toà án", "giả danh tòa án"),
    ],
)
def test_both_tone_styles_match(old, new):
    assert match_topics(old) == match_topics(new) != []


def test_upper_case_and_nfd_input():
    assert topics_of("LỪA ĐẢO TRỰC TUYẾN") == {"online_fraud": ["lừa đảo trực tuyến"]}
    assert topics_of(nfd("LỪA ĐẢO QUA MẠNG")) == {"online_fraud": ["lừa đảo qua mạng"]}
    assert topics_of("CẢNH BÁO: Lừa Đảo Chiếm Đoạt Tài Sản") == {
        "online_fraud": ["chiếm đoạt tài sản", "lừa đảo chiếm đoạt tài sản"]
    }


def test_whitespace_and_zero_width_characters_are_collapsed():
    assert topics_of("lừa\u00a0đảo\n  trực\ttuyến") == {"online_fraud": ["lừa đảo trực tuyến"]}
    assert topics_of("tin\u200b tặc") == {"malware_hacking": ["tin tặc"]}


def test_real_text_a():
    found = topics_of(A)
    assert {"international_cooperation", "online_fraud", "cybersecurity_policy"} <= set(found)
    assert {"hợp tác quốc tế", "phối hợp quốc tế", "công ước hà nội"} <= set(found["international_cooperation"])
    assert found["online_fraud"] == ["lừa đảo trực tuyến"]
    assert found["cybersecurity_policy"] == ["hành lang pháp lý"]


def test_real_text_b():
    found = topics_of(B)
    assert {"international_cooperation", "malware_hacking"} <= set(found)
    assert {"interpol", "văn phòng interpol", "hợp tác quốc tế"} <= set(found["international_cooperation"])
    assert "phần mềm đánh cắp thông tin" in found["malware_hacking"]


# --- negatives ---

TRAFFIC = (
    "Trong dịp nghỉ lễ Quốc khánh, Ủy ban An toàn giao thông Quốc gia đề nghị các địa phương tăng cường tuyên "
    "truyền, kiểm soát nồng độ cồn và tốc độ. Lực lượng cảnh sát giao thông bố trí chốt trực tại các nút giao "
    "trọng điểm, hướng dẫn người dân đội mũ bảo hiểm khi tham gia giao thông, giúp số vụ tai nạn giảm so với "
    "cùng kỳ năm trước."
)
CHARITY = (
    "Sáng 20/11, Hội Chữ thập đỏ phường tổ chức chương trình “Hành trình yêu thương”, trao 300 suất quà và học "
    "bổng cho học sinh có hoàn cảnh khó khăn. Các nhà hảo tâm có thể ủng hộ bằng cách chuyển khoản vào tài "
    "khoản ngân hàng của Ban tổ chức; mọi khoản đóng góp đều được công khai trên trang thông tin của phường."
)


@pytest.mark.parametrize("text", [TRAFFIC, CHARITY, TRAFFIC.upper(), nfd(CHARITY), "", " \n\t", "Hà Nội, 20/11"])
def test_unrelated_text_gets_no_topic(text):
    assert match_topics(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Kỹ sư đo các độ dốc của mặt đường.",  # "các độ" is not "cá độ"
        "Các độ tuổi từ 18 đến 25.",
        "Sinh viên tham gia cuộc thi hackathon.",  # "hack" only as a whole word
        "Phép interpolation trong toán học.",  # "interpol"
        "Chính phủ ban hành Nghị định 130 về chữ ký số.",  # "nghị định 13"
        "Theo điều 2900 của quy chế.",  # "điều 290"
        "asean_summit",  # the underscore is a word character
    ],
)
def test_a_term_inside_a_longer_word_does_not_match(text):
    assert match_topics(text) == []


def test_whole_words_do_match():
    assert topics_of("Anh ta tham gia cá độ bóng đá.") == {"online_gambling": ["cá độ", "cá độ bóng đá"]}
    assert topics_of("Tài khoản Facebook bị hack.") == {"malware_hacking": ["bị hack", "hack"]}
    assert "interpol" in topics_of("(Interpol)")["international_cooperation"]
    assert topics_of("Nghị định 13.") == {"data_privacy": ["nghị định 13"]}
    assert topics_of("điều 290,") == {"arrest_prosecution": ["điều 290"]}


# --- custom taxonomies: overlapping terms across topics, caching ---


def test_overlapping_and_nested_terms_across_topics_are_all_found():
    tax = load_taxonomy(
        toml(
            topic_table("outer", '["tài khoản ngân hàng thuê"]'),
            topic_table("inner", '["ngân hàng", "tài khoản"]'),
            topic_table("left", '["mua bán tài khoản"]'),
            topic_table("right", '["thuê bao"]'),
        )
    )
    found = topics_of("Mua bán tài khoản ngân hàng thuê bao lâu?", tax)
    assert found == {
        "outer": ["tài khoản ngân hàng thuê"],
        "inner": ["ngân hàng", "tài khoản"],
        "left": ["mua bán tài khoản"],
        "right": ["thuê bao"],
    }


def test_a_term_in_two_topics_counts_for_both():
    tax = load_taxonomy(toml(topic_table("x", '["cá độ"]'), topic_table("y", '["nhà cái", "cá độ"]')))
    assert match_topics("cá độ", tax) == [("x", ["cá độ"]), ("y", ["cá độ"])]


def test_matcher_is_cached_per_taxonomy():
    assert TAX._matcher is TAX._matcher
    other = load_taxonomy(toml(topic_table("only", '["cá độ"]')))
    assert other._matcher is not TAX._matcher
    assert match_topics("cá độ", other) == [("only", ["cá độ"])]
    assert match_topics("cá độ") == [("online_gambling", ["cá độ"])]


# --- properties ---

VI = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
VI_ALPHABET = string.ascii_letters + string.digits + VI + VI.upper() + " .,:;!?-()/“”\n\t\u00a0\u200b_"
SEPARATORS = st.sampled_from([" ", ", ", ". ", "\n", "\u00a0", "", "-", "_"])
# Text built from taxonomy terms, Vietnamese-looking words and separators: it actually hits terms,
# boundaries and near misses, where random Unicode almost never does.
MIXED = st.lists(
    st.one_of(st.sampled_from(ALL_TERMS), st.text(alphabet=VI_ALPHABET, max_size=6), SEPARATORS), max_size=14
).map("".join)
_T = "[\u0300\u0301\u0303\u0309\u0323]"
_NEW_STYLE = re.compile(rf"(?<![qQ])(?:([oO])({_T})([aAeE])|([uU])({_T})([yY]))(?![\w\u0300-\u036f])")


def old_style(s: str) -> str:
    """The other tone style: the tone of an open oa/oe/uy on its second vowel (the inverse of tone_key)."""
    swap = _NEW_STYLE.sub(lambda m: m[1] + m[3] + m[2] if m[1] else m[4] + m[6] + m[5], nfd(s))
    return unicodedata.normalize("NFC", swap)


def reference(text: str, taxonomy: Taxonomy = TAX) -> list[tuple[str, list[str]]]:
    """A slow, obviously correct matcher: one search per term."""
    key = match_key(text)
    out = []
    for topic in taxonomy.topics:
        patterns = {t: rf"(?<![\w\u0300-\u036f]){re.escape(match_key(t))}(?![\w\u0300-\u036f])" for t in topic.terms}
        hits = sorted(t for t, p in patterns.items() if re.search(p, key))
        if hits:
            out.append((topic.id, hits))
    return out


@given(st.text())
def test_never_raises_on_random_text(text):
    result = match_topics(text)
    ids = [t.id for t in TAX.topics]
    assert [t for t, _ in result] == [i for i in ids if i in dict(result)]
    for topic_id, terms in result:
        assert terms and terms == sorted(set(terms))
        assert set(terms) <= set(TAX.topic(topic_id).terms)


@given(st.one_of(st.text(), MIXED))
def test_invariant_under_nfc_and_nfd(text):
    expected = match_topics(text)
    assert match_topics(unicodedata.normalize("NFC", text)) == expected
    assert match_topics(nfd(text)) == expected


@given(MIXED)
def test_invariant_under_case(text):
    expected = match_topics(text)
    assert match_topics(text.upper()) == expected
    assert match_topics(text.lower()) == expected
    assert match_topics(text.swapcase()) == expected


@given(MIXED)
def test_invariant_under_tone_style(text):
    assert match_topics(old_style(text)) == match_topics(text)


@settings(max_examples=60)
@given(MIXED)
def test_agrees_with_one_search_per_term(text):
    assert match_topics(text) == reference(text)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(["hoà", "Hòa", "QÚY", "quý", "khoẻ", "a", "\u0301", " ", "  ", "\n", "\r\n", "\t",
                                 "\u00a0", "\u2028", "\u3000", "\x1c", "\x85", "\u200b", "\ufeff", "\u2060", "ß",
                                 "İ", "Ǆ", "lừa đảo", "x"]), max_size=14).map("".join))
def test_match_key_is_its_definition(text):
    """match_key's shortcuts change nothing: NFC, case folding, zero-width characters out, whitespace runs as
    one space, canonical tones, step by step as the definition reads."""
    import re
    import unicodedata

    from vncyberdata.parse.topics import match_key, tone_key

    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    folded = re.sub(r"\s+", " ", re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", folded))
    assert match_key(text) == tone_key(folded)
