"""PII redaction: every Vietnamese spelling of a phone, e-mail, ID, bank account and card number is replaced by
its placeholder; money, dates, legal references, counts, IPs and URLs are left alone; redaction is
idempotent and never touches text outside the spans find_pii reports."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vncyberdata.parse.redact import PII_TYPES, find_pii, redact

ZERO = dict.fromkeys(PII_TYPES, 0)


def _only(kind: str, n: int = 1) -> dict[str, int]:
    return {**ZERO, kind: n}


def _assert_replaced(text: str, pii: str, kind: str) -> None:
    out, counts = redact(text)
    assert out == text.replace(pii, f"[{kind}]"), out
    assert counts == _only(kind)
    assert [(k, text[s:e]) for k, s, e in find_pii(text)] == [(kind, pii)]


# ---------------------------------------------------------------- positives

PHONES = [
    "0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "091 234 5678", "+84 912 345 678",
    "+84912345678", "84912345678", "(+84) 912 345 678", "(+84)912345678", "+84-912-345-678", "0387 654 321",
    "0567.890.123", "0701234567", "0868 123 456", "0912\u00a0345\u00a0678",
    # landlines: 0 + area code, 10-11 digits in all
    "024 3826 4567", "(028) 3829 1234", "0236.3822.123", "02438264567", "+84 24 3826 4567",
    # hotlines of companies are contact data too
    "1900 1234", "1800.599.920", "1900 545 444", "19006868", "1800-1234",
]


@pytest.mark.parametrize("number", PHONES)
def test_phone_spellings_are_redacted(number):
    _assert_replaced(f"Người dân nhận cuộc gọi từ số {number} tự xưng là cán bộ công an.", number, "PHONE")


@pytest.mark.parametrize("template", ["{}", "Gọi ngay {}.", "SĐT: {};", "(số {})", "Zalo {}, Facebook"])
def test_phone_at_edges_and_next_to_punctuation(template):
    _assert_replaced(template.format("0987.654.321"), "0987.654.321", "PHONE")


EMAILS = ["nguyen.van.a@gmail.com", "abc_123@cand.com.vn", "hotro-khachhang@ngan-hang.vn", "tran.b+vay@yahoo.com"]


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_redacted(email):
    _assert_replaced(f"Đối tượng dùng địa chỉ {email}. Sau đó, tài khoản bị khóa.", email, "EMAIL")


IDS = [
    ("CCCD số {}", "001203012345"),
    ("căn cước công dân {}", "079098001234"),
    ("Số định danh cá nhân: {}", "001203012345"),
    ("chứng minh nhân dân số {}", "123456789"),
    ("CMND {}", "025123456"),
    ("CCCD: {}", "0012 0301 2345"),
    ("CMND số {}", "025 123 456"),
    ("mượn giấy tờ mang số {} để mở tài khoản", "001203012345"),  # bare 12 digits
    ("mượn giấy tờ mang số {} để mở tài khoản", "0012 0301 2345"),  # 4-4-4 shaped like a CCCD
    ("mượn giấy tờ mang số {} để mở tài khoản", "025123456"),  # bare 9 digits
]


@pytest.mark.parametrize(("template", "number"), IDS)
def test_id_numbers_are_redacted(template, number):
    _assert_replaced(f"Đối tượng {template.format(number)}.", number, "ID_NUMBER")


BANKS = [
    ("STK {}", "0071000123456"),
    ("STK: {}", "0912345678"),  # a phone number used as an account number is an account after STK
    ("số tài khoản {}", "1903 4567 8901 23"),
    ("số tài khoản ngân hàng mà các đối tượng dùng để nhận tiền là {}", "19034567890123"),
    ("tài khoản số {}", "19034567890123"),
    ("tài khoản ngân hàng {}", "123456789012"),
    ("TK {}", "12345678"),
    ("chuyển tiền vào tài khoản {}", "0071000123456"),
    ("số TK: {}", "0071-000-123-456"),
]


@pytest.mark.parametrize(("template", "number"), BANKS)
def test_bank_accounts_after_context_are_redacted(template, number):
    _assert_replaced(f"Nạn nhân đã chuyển tiền theo {template.format(number)} rồi mới biết bị lừa.", number, "BANK_ACCOUNT")


def test_context_covers_a_list_of_accounts():
    text = "Các số tài khoản 1234567890, 2345678901 và 3456789012 đã bị phong tỏa."
    assert redact(text) == (
        "Các số tài khoản [BANK_ACCOUNT], [BANK_ACCOUNT] và [BANK_ACCOUNT] đã bị phong tỏa.",
        _only("BANK_ACCOUNT", 3),
    )


BANK_NAMES = ["Vietcombank", "Techcombank", "BIDV", "Agribank", "VietinBank", "MB", "ACB", "Sacombank", "TPBank", "VPBank"]


@pytest.mark.parametrize("bank", BANK_NAMES)
def test_bank_names_are_context(bank):
    _assert_replaced(f"Tiền được chuyển về {bank} 0071000123456 mang tên Trần Văn B.", "0071000123456", "BANK_ACCOUNT")


def test_bank_name_does_not_turn_a_hotline_into_an_account():
    _assert_replaced("Vietcombank khuyến cáo chỉ liên hệ hotline 1900 545 413.", "1900 545 413", "PHONE")


CARDS = [
    ("Số thẻ {}", "4111 1111 1111 1111"),
    ("giao dịch bằng {}", "4111111111111111"),  # bare 16 digits, Luhn-valid
    ("giao dịch bằng {}", "5500-0000-0000-0004"),
    ("giao dịch bằng {}", "3782 822463 10005"),  # 4-6-5
    ("số thẻ {}", "9704 0512 3456 7890"),  # not Luhn-valid, but the context says card
    ("thẻ Visa {}", "4111 1111 1111 1112"),
    ("thẻ tín dụng Mastercard {}", "5105105105105100"),
    ("Vietcombank {}", "4111 1111 1111 1111"),  # grouped in fours: a card even next to a bank name
]


@pytest.mark.parametrize(("template", "number"), CARDS)
def test_card_numbers_are_redacted(template, number):
    _assert_replaced(f"Kẻ gian đánh cắp {template.format(number)} của nạn nhân.", number, "CARD_NUMBER")


def test_context_decides_between_types_nearest_first():
    text = "Số tài khoản và số CCCD lần lượt là 0071000123456 và 001203012345."
    assert redact(text) == (
        "Số tài khoản và số CCCD lần lượt là [BANK_ACCOUNT] và [ID_NUMBER].",
        {**ZERO, "BANK_ACCOUNT": 1, "ID_NUMBER": 1},
    )


def test_number_after_year_in_the_same_run():
    _assert_replaced("Năm 2025 0912345678 là số của nghi phạm.", "0912345678", "PHONE")


def test_several_phones_in_a_list():
    text = "Liên hệ 0912345678, 0987.654.321 hoặc (028) 3829 1234."
    assert redact(text) == ("Liên hệ [PHONE], [PHONE] hoặc [PHONE].", _only("PHONE", 3))


# ---------------------------------------------------------------- negatives

NOT_PII = [
    # money
    "1.000 tỷ đồng", "450 triệu đồng", "700.000.000 đồng", "1,5 tỷ đồng", "300.000 đến 1 triệu đồng",
    "2.500.000.000đ", "50.000 USD", "12.345.678.900 đồng", "123456789 đồng", "1 000 000 000 đồng", "$450000000",
    "USD 12345678", "0,5 tỷ", "12.345.678 triệu",
    # dates and times
    "08/07/2025", "6/11", "ngày 09/7/2025", "15:30", "2025-2026", "nhiệm kỳ 2026-2031", "2025", "15h30",
    "08.07.2025", "2025-08-07", "Thứ Hai, 06/11/2025 15:30 (GMT+7)",
    # legal references and unit names
    "Điều 174", "Điều 290 Bộ luật Hình sự", "Nghị định 13/2023/NĐ-CP", "Quyết định số 1234/QĐ-BCA",
    "Quyết định 1234567/QĐ-UBND", "Bệnh viện 19-8", "Sư đoàn 308", "Quốc lộ 1A", "Km 15+200",
    # counts and quantities
    "27 điện thoại", "73 thùng pháo hoa", "70 đại biểu", "24 quốc gia", "04 ngày", "1.200 tài khoản mạng xã hội",
    "hơn 123.456.789 lượt truy cập", "12,5%", "iOS 17.2", "192.168.1.1", "10.20.30.40", "mã OTP 123456",
    # URLs and domains
    "https://example.vn/tin-tuc/12345678.html", "http://www.cand.com.vn/0912345678", "vnexpress.net/4812345.html",
    # emergency numbers are public services
    "gọi 113", "114", "115", "111", "Gọi 113, 114 hoặc 115",
    # a phone inside a longer digit run is not a phone; Luhn-invalid 16 digits without context
    "12345678901234567890", "09123456789012345678", "4111111111111112",
    # company tax codes
    "Mã số thuế 0312345678", "MST: 0312345678",
    # placeholders already present
    "[PHONE]", "[EMAIL] [ID_NUMBER] [BANK_ACCOUNT] [CARD_NUMBER]", "STK [BANK_ACCOUNT]",
    # names of people, officials and places
    "Đại tá Nguyễn Văn Minh, Giám đốc Công an TP Hà Nội", "ông Trần Văn B (SN 1985, trú tại Quận 1)",
    "số 0",
    # money, dates and counts right after a context word stay untouched too
    "Số tài khoản nhận 700.000.000 đồng", "tài khoản ngân hàng bị chiếm đoạt 12.345.678.900 đồng",
    "CCCD cấp ngày 08/07/2025", "STK mở trong nhiệm kỳ 2026-2031", "số tài khoản lên tới 12.345.678",
    "Vietcombank có 2.000.000 tỷ đồng", "thẻ 1.200 chiếc", "tài khoản 12345678 đồng",
    "số tài khoản đăng nhập từ IP 192.168.100.101", "STK ghi trên https://a.vn/stk/0071000123456",
]


@pytest.mark.parametrize("fragment", NOT_PII)
def test_false_positives_stay_untouched(fragment):
    text = f"Theo cơ quan công an, {fragment} là thông tin được công bố."
    assert redact(text) == (text, ZERO)
    assert redact(fragment) == (fragment, ZERO)
    assert find_pii(text) == []


def test_every_type_key_is_present():
    assert redact("") == ("", ZERO)
    assert set(redact("0912345678")[1]) == set(PII_TYPES)


# ---------------------------------------------------------------- realistic text

PARAGRAPH = (
    "Ngày 08/07/2025, Công an tỉnh Nghệ An cảnh báo thủ đoạn giả danh tổng đài 1900 6868 của ngân hàng. "
    "Các đối tượng yêu cầu nạn nhân chuyển 450 triệu đồng vào STK 0071000123456 (Vietcombank) và gửi ảnh "
    "CCCD số 040203012345 qua email hotro.nganhang@gmail.com hoặc Zalo 0912.345.678.\n\n"
    "Hành vi này có dấu hiệu tội phạm theo Điều 174 Bộ luật Hình sự, khung hình phạt cao nhất là tù chung thân. "
    "Chiều 6/11, ông Nguyễn Văn Hùng, Phó trưởng phòng, cho biết đã phong tỏa 1.200 tài khoản mạng xã hội; "
    "người dân phát hiện dấu hiệu lừa đảo gọi 113 hoặc xem https://congan.nghean.gov.vn/tin/12345678.html."
)
EXPECTED = (
    "Ngày 08/07/2025, Công an tỉnh Nghệ An cảnh báo thủ đoạn giả danh tổng đài [PHONE] của ngân hàng. "
    "Các đối tượng yêu cầu nạn nhân chuyển 450 triệu đồng vào STK [BANK_ACCOUNT] (Vietcombank) và gửi ảnh "
    "CCCD số [ID_NUMBER] qua email [EMAIL] hoặc Zalo [PHONE].\n\n"
    "Hành vi này có dấu hiệu tội phạm theo Điều 174 Bộ luật Hình sự, khung hình phạt cao nhất là tù chung thân. "
    "Chiều 6/11, ông Nguyễn Văn Hùng, Phó trưởng phòng, cho biết đã phong tỏa 1.200 tài khoản mạng xã hội; "
    "người dân phát hiện dấu hiệu lừa đảo gọi 113 hoặc xem https://congan.nghean.gov.vn/tin/12345678.html."
)


def test_realistic_scam_warning():
    out, counts = redact(PARAGRAPH)
    assert out == EXPECTED
    assert counts == {"PHONE": 2, "EMAIL": 1, "ID_NUMBER": 1, "BANK_ACCOUNT": 1, "CARD_NUMBER": 0}
    assert redact(out) == (out, ZERO)
    assert find_pii(out) == []


def test_context_does_not_cross_a_line_break():
    assert redact("Số tài khoản\n12345678") == ("Số tài khoản\n12345678", ZERO)
    assert redact("Số tài khoản 12345678") == ("Số tài khoản [BANK_ACCOUNT]", _only("BANK_ACCOUNT"))


# ---------------------------------------------------------------- properties

VI_WORDS = [
    "lừa đảo", "Công an", "Nguyễn Văn A", "chuyển", "ngày", "năm", "đồng", "đ", "tỷ", "triệu", "USD", "Điều",
    "STK", "TK", "số tài khoản", "tài khoản", "CCCD", "CMND", "căn cước", "thẻ", "Visa", "Vietcombank", "MB",
    "MST", "mã số thuế", "hotline", "Zalo", "QĐ", "km", "%", "$", "a@b.vn", "x.com", "https://a.vn/", "gmail.com",
    "@", "_", "1900", "1800", "+84", "(+84)", "(028)", "0912345678", "001203012345", "4111 1111 1111 1111",
    "[PHONE]", "[EMAIL]", "[ID_NUMBER]", "[BANK_ACCOUNT]", "[CARD_NUMBER]",
]
SEPARATORS = ["", " ", " ", " ", ".", "-", ",", ":", "/", "(", ")", "+", "\u00a0", "\n", "\n\n"]
TOKENS = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.sampled_from(SEPARATORS),
    st.sampled_from(VI_WORDS),
    st.text(alphabet="0123456789 .-+()@_[]abđ", max_size=6),
)
# Short texts glued from a few troublesome pieces: prefixes, e-mails and placeholders right against digits.
GLUE = [
    "a@b.vn", "+84", "(+84)", "(028)", "0912345678", "38291234", "12", "2025", " ", ".", "-", "STK ", "CCCD ", "đ",
    "[PHONE]", "x", "/",
]
TEXTS = st.one_of(st.lists(TOKENS, max_size=40), st.lists(st.sampled_from(GLUE), max_size=10)).map("".join)
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXTS)
def test_redaction_is_idempotent(text):
    once, _ = redact(text)
    twice, counts = redact(once)
    assert twice == once
    assert counts == ZERO
    assert find_pii(once) == []


@FAST
@given(TEXTS)
def test_text_outside_the_spans_is_never_changed(text):
    spans = find_pii(text)
    out, counts = redact(text)
    pos, kept, rebuilt = 0, [], []
    for kind, start, end in spans:
        assert kind in PII_TYPES
        assert pos <= start < end <= len(text)  # sorted, non-overlapping, non-empty
        kept.append(text[pos:start])
        rebuilt += [text[pos:start], f"[{kind}]"]
        pos = end
    kept.append(text[pos:])
    rebuilt.append(text[pos:])
    assert out == "".join(rebuilt)
    assert sum(counts.values()) == len(spans)
    # every character outside a span survives, in order
    rest = iter(out)
    assert all(ch in rest for ch in "".join(kept))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789 .-\u00a0@+()abcđ\n", max_size=60))
def test_prefilter_never_hides_a_match(text):
    from vncyberdata.parse.redact import MAYBE_PII, _scan_all, may_hold_pii

    assert may_hold_pii(text) == (MAYBE_PII.search(text) is not None)  # "@" and the digit run tested apart
    if MAYBE_PII.search(text) is None:
        assert _scan_all(text) == []


_RUN_PIECES = st.one_of(
    st.text(alphabet="0123456789٣٤١２３𝟘𝟙", min_size=1, max_size=9),  # ASCII, Arabic-Indic, fullwidth, beyond the BMP
    st.sampled_from([" ", ".", "-", "\u00a0", "\u202f", "  ", " .", "\t", ",", "\n", "a", "đ", "@", "ả"]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_RUN_PIECES, max_size=16).map("".join))
def test_the_compiled_digit_run_answers_as_the_pattern(text):
    # may_hold_pii walks a character table for the run of 8+ digits; the pattern decides what a run is
    from vncyberdata.parse.redact import _DIGIT_RUN, may_hold_pii

    assert may_hold_pii(text) == ("@" in text or _DIGIT_RUN.search(text) is not None)


def test_slash_before_an_email_stays_idempotent():
    once = redact("0912345678/a@b.vn")[0]
    assert once == "0912345678/[EMAIL]" and redact(once) == (once, {t: 0 for t in PII_TYPES})
