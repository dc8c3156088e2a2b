"""The parser on real pages (the seeds) and on layout fixtures: every field and every line's class."""

from __future__ import annotations

import json
import unicodedata

import pytest
from conftest import assert_page_fields, canonical, page_cases

from vncyberdata.parse.normalize import clean_key, key_text, split_lines
from vncyberdata.parse.parse import Parsed, parse
from vncyberdata.intake.raw import read_sidecar, sidecar_for
from vncyberdata.model.record import LINE_CLASSES, RawMeta

CASES = page_cases()
IDS = [c[0] for c in CASES]


def _parse(raw_path):
    meta = read_sidecar(sidecar_for(raw_path))
    result = parse(raw_path.read_bytes(), meta, raw_path.name)
    assert isinstance(result, Parsed), result
    return result, meta


def test_cases_cover_seeds_and_layouts():
    names = set(IDS)
    assert {"000_950e53a0e89c16ec", "003_5a3d17637f3588e8"} <= names
    assert len(names) >= 10


@pytest.mark.parametrize(("name", "raw_path", "expect_path"), CASES, ids=IDS)
def test_fields(name, raw_path, expect_path):
    # expectations hold the text as printed; records hold it canonical (normalize.clean_line)
    expect = canonical(json.loads(expect_path.read_text(encoding="utf-8")))
    article = _parse(raw_path)[0].article
    assert_page_fields(article, expect)


@pytest.mark.parametrize(("name", "raw_path", "expect_path"), CASES, ids=IDS)
def test_the_keys_a_parse_hands_on_are_the_keys_of_its_texts(name, raw_path, expect_path):
    # the build takes the headline ids' keys from the parse and keys the body without cleaning it again
    parsed = _parse(raw_path)[0]
    headlines = parsed.article.related_headlines
    assert parsed.headline_keys == tuple(key_text(h) for h in headlines)
    assert clean_key(parsed.article.body) == key_text(parsed.article.body)


@pytest.mark.parametrize(("name", "raw_path", "expect_path"), CASES, ids=IDS)
def test_dates(name, raw_path, expect_path):
    expect = json.loads(expect_path.read_text(encoding="utf-8"))["published"]
    article = _parse(raw_path)[0].article
    if expect is None:
        assert article.published_month is None and article.date_source is None
        return
    assert (article.published_month, article.published_day) == (expect["month"], expect["day"])
    assert expect["evidence"] in article.date_evidence
    if expect["year"] is not None:
        assert article.published_year == expect["year"] and not article.date_year_inferred
        assert article.published_date is not None
    elif "inferred_year" in expect:
        assert article.published_year == expect["inferred_year"] and article.date_year_inferred
    else:  # never a year nobody stated
        assert article.published_year is None and article.published_date is None


@pytest.mark.parametrize(("name", "raw_path", "expect_path"), CASES, ids=IDS)
def test_line_classes_match_and_are_conserved(name, raw_path, expect_path):
    expect = json.loads(expect_path.read_text(encoding="utf-8"))["line_classes"]
    parsed = _parse(raw_path)[0]
    text = raw_path.read_bytes().decode("utf-8-sig")
    n_lines = len(split_lines(text))
    # conservation: one class per raw line, each from the fixed set
    assert len(parsed.line_classes) == n_lines
    assert set(parsed.line_classes) <= set(LINE_CLASSES)
    expected = {i: cls for cls, idxs in expect.items() for i in idxs}
    assert sorted(expected) == list(range(n_lines)), "the expectation file itself must cover every line once"
    got = {i: cls for i, cls in enumerate(parsed.line_classes)}
    assert got == expected


@pytest.mark.parametrize(("name", "raw_path", "expect_path"), CASES, ids=IDS)
def test_output_text_is_nfc_and_clean(name, raw_path, expect_path):
    article = _parse(raw_path)[0].article
    for text in [article.title, article.lead or "", article.body, *article.related_headlines]:
        assert unicodedata.is_normalized("NFC", text)
        assert "\ufeff" not in text and "\r" not in text and "\u00a0" not in text


def test_layout_features_really_present_in_fixtures():
    """The fixture set keeps covering the byte-level layouts the parser must survive."""
    from conftest import PAGES

    blobs = {p.stem: p.read_bytes() for p in PAGES.glob("*.txt")}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in blobs.values()), "a UTF-8 BOM page"
    assert any(b"\r\n" in b for b in blobs.values()), "a CRLF page"
    assert any(
        not unicodedata.is_normalized("NFC", b.decode("utf-8-sig")) for b in blobs.values()
    ), "an NFD page"


def test_seed_topics():
    from conftest import RAW

    got = {p.name: set(_parse(p)[0].article.topics) for p in sorted(RAW.glob("*.txt"))}
    assert {"international_cooperation", "online_fraud", "cybersecurity_policy"} <= got["000_950e53a0e89c16ec.txt"]
    assert {"international_cooperation", "malware_hacking"} <= got["003_5a3d17637f3588e8.txt"]


@pytest.mark.parametrize(("name", "raw_path", "expect_path"), CASES, ids=IDS)
def test_every_page_gets_topics_with_evidence_and_language(name, raw_path, expect_path):
    article = _parse(raw_path)[0].article
    assert article.topics, "every page of this corpus is about cybercrime"
    assert [m.topic for m in article.topic_terms] == article.topics
    text = f"{article.title}\n{article.lead}\n{article.body}".casefold()
    for match in article.topic_terms:
        assert any(term.casefold() in text for term in match.terms)
    assert article.language == "vi" and article.language_score > 0.9


SCAM = (
    "Cảnh báo thủ đoạn giả danh nhân viên ngân hàng để chiếm đoạt tài sản\n"
    "Công an tỉnh cảnh báo người dân về các cuộc gọi lừa đảo giả danh ngân hàng trong thời gian gần đây.\n"
    "Đối tượng dùng số 0912 345 678 và email hotro.nganhang@gmail.com, yêu cầu chuyển 450 triệu đồng vào STK 0071000123456 tại Vietcombank.\n"
    "Chị N. (CCCD 001203012345) đã mất tiền; vụ việc được xử lý theo Điều 174 Bộ luật Hình sự, ngày 08/07/2025.\n"
    "Người dân cần báo ngay cho Công an qua số 113 khi nghi ngờ.\n"
)


def test_private_data_is_redacted_and_counted():
    meta = RawMeta(publisher="Báo Mẫu", license="test")
    article = parse(SCAM.encode(), meta, "scam.txt").article
    dumped = json.dumps(article.model_dump(mode="json"), ensure_ascii=False)
    for secret in ("0912 345 678", "hotro.nganhang@gmail.com", "0071000123456", "001203012345"):
        assert secret not in dumped
    assert "[PHONE]" in article.body and "[BANK_ACCOUNT]" in article.body and "[ID_NUMBER]" in article.body
    counts = article.pii_redacted
    assert (counts.phone, counts.email, counts.bank_account, counts.id_number, counts.card_number) == (1, 1, 1, 1, 0)
    for kept in ("450 triệu đồng", "Điều 174", "08/07/2025", "113"):
        assert kept in article.body


_PLACES = {  # a page whose only private data is in one place, and where it shows once redacted
    "title": ("Triệt phá đường dây lừa đảo qua số máy 0912 345 678 tại Hà Nội", "Ảnh: Minh Anh",
              "Bắt đối tượng giả danh công an để lừa đảo người dân", lambda a: a.title, "phone"),
    "caption credit": ("Triệt phá đường dây lừa đảo qua mạng tại Hà Nội", "Ảnh: phongvien.anh@gmail.com",
                       "Bắt đối tượng giả danh công an để lừa đảo người dân", lambda a: a.captions[0].credit, "email"),
    "related headline": ("Triệt phá đường dây lừa đảo qua mạng tại Hà Nội", "Ảnh: Minh Anh",
                         "Bắt đối tượng dùng số 0987 654 321 để lừa đảo người dân", lambda a: a.related_headlines[0], "phone"),
}


@pytest.mark.parametrize("place", sorted(_PLACES))
def test_private_data_anywhere_on_the_record_is_redacted_not_only_in_the_body(place):
    title, credit, headline, field, kind = _PLACES[place]
    page = (f"{title}\n"
            "Công an thành phố vừa triệt phá một đường dây lừa đảo chiếm đoạt tài sản qua mạng xã hội của nhiều người dân.\n"
            "Các đối tượng giả danh nhân viên ngân hàng, gọi điện yêu cầu người dân chuyển tiền vào tài khoản của chúng.\n"
            f"Hiện trường vụ việc tại trụ sở công an\n{credit}\nTin liên quan:\n{headline}\n"
            "Cơ quan điều tra đang mở rộng vụ án và kêu gọi các bị hại đến trình báo để được hướng dẫn giải quyết.\n")
    parsed = parse(page.encode(), RawMeta(publisher="Báo Mẫu", license="test"), "page.txt")
    article = parsed.article
    assert f"[{kind.upper()}]" in field(article)
    # the headline ids' keys are those of the redacted headlines (the walk's keys are of the text as printed)
    assert parsed.headline_keys == tuple(key_text(h) for h in article.related_headlines)
    assert getattr(article.pii_redacted, kind) == 1 and sum(article.pii_redacted.model_dump().values()) == 1
    dumped = json.dumps(article.model_dump(mode="json"), ensure_ascii=False)
    assert "0912 345 678" not in dumped and "0987 654 321" not in dumped and "@gmail.com" not in dumped
