"""HTML input: `html_dump.html_to_dump` lays a news page out as a text dump and `parse.parse` reads it.

Fixture pages (tests/fixtures/html/<name>.html, synthetic, CC0) mimic the layouts of Vietnamese news sites;
each has a sidecar (<name>.meta.json) and the record fields it must give (<name>.expect.json).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from conftest import assert_page_fields, canonical
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vncyberdata.parse.html_dump import EXTRA_HINT, HtmlError, html_to_dump, read_page
from vncyberdata.parse.html_meta import PRECEDENCE, calendar_day, read_meta
from vncyberdata.parse.normalize import clean_line
from vncyberdata.parse.parse import Parsed, parse
from vncyberdata.intake.raw import RawMeta, read_sidecar

HTML = Path(__file__).resolve().parent / "fixtures" / "html"
NAMES = sorted(p.name[: -len(".expect.json")] for p in HTML.glob("*.expect.json"))
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<!--|<!DOCTYPE", re.IGNORECASE)


_RESULTS: dict[str, tuple[str, Parsed]] = {}


def _run(name: str) -> tuple[str, Parsed]:
    if name not in _RESULTS:
        dump = html_to_dump((HTML / f"{name}.html").read_bytes())
        meta = read_sidecar(HTML / f"{name}.meta.json")
        result = parse(dump.encode("utf-8"), meta, f"{name}.html")
        assert isinstance(result, Parsed), result
        _RESULTS[name] = (dump, result)
    return _RESULTS[name]


def test_fixture_set():
    assert len(NAMES) >= 5
    for name in NAMES:
        assert (HTML / f"{name}.html").exists() and (HTML / f"{name}.meta.json").exists()
    blobs = {name: (HTML / f"{name}.html").read_bytes() for name in NAMES}
    # the byte-level variants the decoder must handle stay covered
    assert any(b.startswith(b"\xef\xbb\xbf") for b in blobs.values()), "a UTF-8 BOM page"
    assert any(b"charset=windows-1258" in b for b in blobs.values()), "a legacy-charset page"
    assert any(b.lstrip().startswith(b"<?xml") for b in blobs.values()), "an XHTML page with an XML declaration"


@pytest.mark.parametrize("name", NAMES)
def test_fields(name):
    expect = canonical(json.loads((HTML / f"{name}.expect.json").read_text(encoding="utf-8")))
    article = _run(name)[1].article
    assert_page_fields(article, expect)
    assert article.publisher == json.loads((HTML / f"{name}.meta.json").read_text(encoding="utf-8"))["publisher"]


@pytest.mark.parametrize("name", NAMES)
def test_dates(name):
    expect = json.loads((HTML / f"{name}.expect.json").read_text(encoding="utf-8"))["published"]
    article = _run(name)[1].article
    if expect is None:
        assert article.published_month is None
        return
    got = (article.published_year, article.published_month, article.published_day)
    assert got == (expect["year"], expect["month"], expect["day"])
    assert article.date_source == "date_line" and not article.date_year_inferred
    assert clean_line(expect["evidence"]) == article.date_evidence


@pytest.mark.parametrize("name", NAMES)
def test_dump_is_plain_text_lines(name):
    dump, parsed = _run(name)
    assert not TAG.search(dump), TAG.search(dump)
    lines = dump.split("\n")
    assert all(line == line.strip() and line for line in lines), "no blank or padded lines"
    classes = parsed.line_classes
    assert classes[0] == "title", "the title comes first"
    end = classes.index("related_headline") - 1 if "related_headline" in classes else len(classes)
    assert "chrome" not in classes[:end], "site chrome never reaches the dump before the related lists"


def test_related_lists_close_the_dump():
    dump, parsed = _run("tuoitre_like")
    classes = parsed.line_classes
    first_related = classes.index("related_headline") - 1  # the header line
    assert set(classes[first_related:]) <= {"chrome", "related_headline"}
    assert dump.split("\n")[first_related] == "Tin liên quan"


# ----------------------------------------------------------------------------------- page evidence


@pytest.mark.parametrize("name", NAMES)
def test_read_page_gives_the_dump_and_evidence(name):
    dump, evidence = read_page((HTML / f"{name}.html").read_bytes())
    assert dump == _run(name)[0]
    for field in PRECEDENCE:
        ev = getattr(evidence, field)
        sources = [s for s, _ in ev.values]
        assert sources == [s for s in PRECEDENCE[field] if s in sources], "values in precedence order"
        assert ev.chosen == (sources[0] if sources else None)
    assert evidence.title.value and dump.split("\n")[0] == evidence.title.value


def test_evidence_jsonld_author():
    evidence = read_page((HTML / "jsonld_author.html").read_bytes())[1]
    assert evidence.author.chosen == "jsonld" and evidence.author.value == "Lê Thu Hà"
    # article:author is a profile URL and name=author the site: neither is an author
    assert evidence.author.get("meta") is None and evidence.author.get("visible") is None
    assert evidence.publisher.chosen == "jsonld" and evidence.publisher.value == "An Ninh Số Mẫu"  # via its @id
    assert evidence.date.chosen == "visible" and evidence.date.get("jsonld") == "2026-02-14T09:30:00+07:00"
    assert evidence.title.get("html_title") == evidence.title.value  # " - An Ninh Số Mẫu" removed
    assert evidence.disagreements == ()


def test_evidence_visible_bylines_and_dates():
    closing = read_page((HTML / "closing_compiled.html").read_bytes())[1]
    assert (closing.author.chosen, closing.author.value) == ("visible", "Ngọc Lan")
    beside = read_page((HTML / "author_beside_date.html").read_bytes())[1]
    assert (beside.author.chosen, beside.author.value) == ("visible", "Đặng Minh Khoa")
    assert (beside.date.chosen, beside.date.value) == ("visible", "07/03/2026 08:47")
    today = read_page((HTML / "header_today_date.html").read_bytes())[1]
    assert (today.date.chosen, today.date.value) == ("visible", "05/03/2026 - 08:47")
    assert calendar_day(today.date.get("jsonld")) == (2026, 3, 5)
    assert calendar_day(today.date.get("time")) == (2026, 3, 7)  # the top bar's today, kept as a last resort
    assert today.disagreements == ()  # the last-resort dates are not compared


def _page(head: str, body: str) -> bytes:
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">{head}</head>
<body><header><a href="/">Báo Mẫu</a> <span class="today">Thứ Sáu, 06/03/2026</span></header>
<main><article>{body}</article></main></body></html>""".encode()


_PARAS = """<p>Công an tỉnh vừa bắt giữ nhóm đối tượng giả danh nhân viên ngân hàng, gửi tin nhắn chứa đường dẫn lạ để chiếm đoạt tài khoản của người dân.</p>
<p>Các đối tượng đã lừa hơn 40 người, chiếm đoạt khoảng 3 tỷ đồng; cơ quan điều tra đang mở rộng vụ án để xử lý những người liên quan.</p>"""
_LD = '<script type="application/ld+json">{}</script>'
_ARTICLE_LD = (
    '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Tiêu đề cho máy tìm kiếm về lừa đảo",'
    ' "datePublished": "2026-03-04T07:00:00+07:00", "author": {"@type": "Person", "name": "Thu Trang"},'
    ' "publisher": {"@type": "Organization", "name": "Báo Mẫu"}}'
)


def test_disagreements_between_page_and_metadata():
    head = (
        '<title>Bắt nhóm giả danh nhân viên ngân hàng - Báo Mẫu</title>'
        '<meta property="og:title" content="Một tiêu đề khác hẳn cho mạng xã hội">'
        '<meta property="og:site_name" content="Báo Mẫu">'
        '<meta property="article:published_time" content="2026-03-03T10:00:00+07:00">'
        + _LD.format(_ARTICLE_LD)
    )
    body = ('<h1>Bắt nhóm giả danh nhân viên ngân hàng</h1><div class="date">05/03/2026 08:47</div>'
            f'{_PARAS}<p class="author">Hải Minh</p>')
    dump, evidence = read_page(_page(head, body))
    assert (evidence.author.chosen, evidence.author.value, evidence.author.get("jsonld")) == ("visible", "Hải Minh", "Thu Trang")
    assert (evidence.date.chosen, evidence.date.value) == ("visible", "05/03/2026 08:47")
    assert evidence.title.chosen == "visible"
    assert set(evidence.disagreements) == {
        "author_jsonld_differs", "date_jsonld_differs", "date_meta_differs", "title_jsonld_differs", "title_meta_differs",
    }
    # the page's own byline and date go into the dump; the metadata's do not
    lines = dump.split("\n")
    assert lines[1] == "05/03/2026 08:47" and lines[-1] == "Hải Minh" and "Thu Trang" not in dump


def test_metadata_fills_what_the_page_does_not_show():
    head = _LD.format(_ARTICLE_LD) + '<meta property="article:published_time" content="2026-03-03T10:00:00+07:00">'
    dump, evidence = read_page(_page(head, _PARAS))  # no h1, no date element, no byline
    assert evidence.title.chosen == "jsonld" and evidence.date.chosen == "jsonld" and evidence.author.chosen == "jsonld"
    assert evidence.disagreements == ("date_meta_differs",)
    lines = dump.split("\n")
    assert lines[:2] == ["Tiêu đề cho máy tìm kiếm về lừa đảo", "04/03/2026 07:00 (GMT+7)"] and lines[-1] == "Thu Trang"
    assert "06/03/2026" not in dump  # the header's today


def test_title_falls_back_to_og_title_then_the_html_title():
    og = read_page(_page('<meta property="og:title" content="Cảnh báo lừa đảo qua mạng"><title>Khác - Báo Mẫu</title>', _PARAS))[1]
    assert (og.title.chosen, og.title.value) == ("meta", "Cảnh báo lừa đảo qua mạng")
    plain = read_page(_page('<meta property="og:site_name" content="Báo Mẫu"><title>Cảnh báo lừa đảo qua mạng - Báo Mẫu</title>', _PARAS))
    assert plain[1].title.chosen == "html_title" and plain[0].split("\n")[0] == "Cảnh báo lừa đảo qua mạng"
    bar = read_page(_page("<title>Cảnh báo lừa đảo qua mạng | Cổng thông tin điện tử Công an tỉnh Mẫu</title>", _PARAS))[1]
    assert bar.title.value == "Cảnh báo lừa đảo qua mạng"


def test_malformed_jsonld_is_skipped():
    broken = [
        '{"@type": "NewsArticle", "author": {"name": "Thu Trang"',  # cut short
        "{'@type': 'NewsArticle'}",  # not JSON
        "",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        '"just a string"',
        '{"@type": "NewsArticle", "author": 42, "datePublished": ["không phải ngày"], "headline": {"x": 1}}',
    ]
    head = "".join(_LD.format(b) for b in broken)
    body = f"<h1>Bắt nhóm giả danh nhân viên ngân hàng</h1>{_PARAS}"
    dump, evidence = read_page(_page(head, body))
    assert evidence.author.values == () and evidence.date.get("jsonld") is None and evidence.title.get("jsonld") is None
    # a good block beside the broken ones is still read
    dump, evidence = read_page(_page(head + _LD.format(_ARTICLE_LD), body))
    assert evidence.author.value == "Thu Trang" and dump.split("\n")[-1] == "Thu Trang"


def _meta(head: str):
    from lxml import html as lhtml

    return read_meta(lhtml.document_fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>"))


@pytest.mark.parametrize(
    ("author", "names"),
    [
        ('"Thu Trang"', ("Thu Trang",)),
        ('"Thu Trang, Hải Minh"', ("Thu Trang", "Hải Minh")),
        ('[{"@type": "Person", "name": "Thu Trang"}, {"@type": "Person", "name": "Hải Minh"}]', ("Thu Trang", "Hải Minh")),
        ('{"@type": "Organization", "name": "Báo Mẫu"}', ()),
        ('{"@type": "Person", "name": "Báo Mẫu"}', ()),  # the publisher's name
        ('{"@type": "Person", "name": "admin"}', ()),
        ('{"@type": "Person", "name": "https://example.vn/tac-gia/thu-trang"}', ()),
        ('{"@id": "#thu-trang"}', ("Thu Trang",)),
    ],
)
def test_jsonld_author_forms(author, names):
    graph = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "Person", "@id": "#thu-trang", "name": "Thu Trang"},'
        '{"@type": ["ReportageNewsArticle"], "headline": "Tiêu đề", "author": ' + author + ','
        ' "publisher": {"@type": "Organization", "name": "Báo Mẫu"}}]}'
    )
    meta = _meta(_LD.format(graph))
    assert meta.jsonld_authors == names and meta.jsonld_publisher == "Báo Mẫu" and meta.jsonld_title == "Tiêu đề"


def test_meta_tags():
    meta = _meta(
        '<meta property="og:site_name" content="Báo Mẫu"><meta name="author" content="Báo Mẫu">'
        '<meta property="article:author" content="https://facebook.com/baomau"><meta name="dc.creator" content="Hải Minh">'
        '<meta name="pubdate" content="không rõ"><meta itemprop="datePublished" content="2026-03-05">'
        "<title> Tiêu đề |  Báo Mẫu </title>"
    )
    assert meta.meta_authors == ("Hải Minh",) and meta.meta_date == "2026-03-05" and meta.html_title == "Tiêu đề | Báo Mẫu"


# --------------------------------------------------------------------------------------------- errors

NAV_ONLY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Trang chủ - Báo Mẫu</title></head>
<body><header><a href="/">Báo Mẫu</a></header>
<nav><ul><li><a href="/thoi-su">Thời sự</a></li><li><a href="/phap-luat">Pháp luật</a></li>
<li><a href="/so-hoa">Số hóa</a></li></ul></nav>
<footer><p>Bản quyền thuộc về Báo Mẫu.</p></footer></body></html>""".encode()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        "Lừa đảo qua mạng: chỉ là văn bản, không có thẻ HTML nào.\n".encode(),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"<html></html>",
        b"<!DOCTYPE html><html><head></head><body></body></html>",
        NAV_ONLY,
        b"<html><body><p>caf\xe9 sans charset</p></body></html>",  # not UTF-8, nothing declared
        b'<html><head><meta charset="x-unknown-8"></head><body><h1>T</h1><p>x</p></body></html>',
    ],
    ids=["empty", "blank", "plain_text", "pdf", "png", "empty_html", "empty_body", "nav_only", "not_utf8", "bad_charset"],
)
def test_html_error(data):
    with pytest.raises(HtmlError) as err:
        html_to_dump(data)
    assert str(err.value)


def test_missing_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import trafilatura -> ImportError
    with pytest.raises(HtmlError, match=re.escape(EXTRA_HINT)):
        html_to_dump(b"<html><body><h1>T</h1><p>x</p></body></html>")


def test_minimal_page_and_utf16():
    page = "<html><body><h1>Cảnh báo lừa đảo</h1><p>Một đoạn văn về lừa đảo trực tuyến.</p></body></html>"
    assert html_to_dump(page.encode()) == "Cảnh báo lừa đảo\nMột đoạn văn về lừa đảo trực tuyến."
    assert html_to_dump(b"\xff\xfe" + page.encode("utf-16-le")) == html_to_dump(page.encode())


# --------------------------------------------------------------------------------------- properties

_SOUP_TAGS = ["html", "head", "title", "body", "h1", "h2", "p", "div", "span", "a", "ul", "ol", "li", "figure",
              "figcaption", "img", "table", "tr", "td", "nav", "header", "footer", "aside", "article", "time",
              "strong", "em", "br", "script", "meta", "blockquote"]
_SOUP_TEXT = ["Tin liên quan", "Ảnh: TTXVN", "(Ảnh minh họa)", "Thứ Hai, 06/11/2025 15:30 (GMT+7)", "Theo nhandan.vn",
              "Hồng Dũng", "Chia sẻ", "lừa đảo chiếm đoạt tài sản", "Công an tỉnh cảnh báo người dân.", "&amp;", "&#xD800;",
              "]]>", "<!--", "-->", "<?php ?>", "\u00a0", "\u200b", " "]
_ATTRS = ['', ' class="sapo"', ' class="date"', ' class="author"', ' class="caption"', ' class="menu"',
          ' datetime="2025-11-06T15:30:00+07:00"', ' alt="Ảnh"', ' content="2025-13-45"', ' class="PhotoCMS_Caption"',
          ' role="navigation"', ' property="article:published_time" content="2025-01-02"', ' charset="utf-8"']


@st.composite
def tag_soup(draw):
    parts = draw(
        st.lists(
            st.one_of(
                st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(_SOUP_TAGS), st.sampled_from(_ATTRS)),
                st.builds(lambda t: f"</{t}>", st.sampled_from(_SOUP_TAGS)),
                st.sampled_from(_SOUP_TEXT),
                st.text(max_size=30),
            ),
            max_size=60,
        )
    )
    return "".join(parts).encode("utf-8")


def _only_html_error(data: bytes) -> None:
    try:
        dump = html_to_dump(data)
    except HtmlError:
        return
    assert isinstance(dump, str) and dump
    assert "\r" not in dump and all(dump.split("\n"))


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000))
def test_random_bytes_raise_only_html_error(data):
    _only_html_error(data)


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(tag_soup(), st.sampled_from([b"", b"\xef\xbb\xbf", b"<!DOCTYPE html>", b'<meta charset="windows-1258">']))
def test_tag_soup_raises_only_html_error(soup, prefix):
    _only_html_error(prefix + soup)


# ------------------------------------------------------------------------------ related cards in the body

_CARD_URL = "https://baomau.vn/canh-giac-chieu-mao-danh-nhan-vien-ngan-hang-post123.html"
_CARD_HEADLINE = "Cảnh giác chiêu mạo danh nhân viên ngân hàng gọi điện hỗ trợ khóa thẻ"
_CARD_SUMMARY = "Nhiều người dân nhận cuộc gọi tự xưng nhân viên ngân hàng đề nghị cài ứng dụng để khóa thẻ bị lộ."
_BEFORE = ("<p>Công an tỉnh vừa bắt giữ nhóm đối tượng giả danh nhân viên ngân hàng, gửi tin nhắn chứa đường dẫn lạ"
           " để chiếm đoạt tài khoản của người dân trên địa bàn.</p>")
_AFTER = ("<p>Các đối tượng đã lừa hơn 40 người, chiếm đoạt khoảng 3 tỷ đồng; cơ quan điều tra đang mở rộng vụ án"
          " để xử lý những người liên quan.</p>")


def _card_article(card: str):
    head = '<link rel="canonical" href="https://baomau.vn/bat-nhom-gia-danh-ngan-hang-post999.html">'
    body = f'<h1>Bắt nhóm giả danh nhân viên ngân hàng lừa đảo</h1><div class="content">{_BEFORE}{card}{_AFTER}</div>'
    result = parse(_page(head, body), RawMeta(publisher="Báo Mẫu", license="test"), "card.html", raw_format="html")
    assert isinstance(result, Parsed), result
    return result.article


def _text_of(article) -> str:
    return "\n\n".join(t for t in (article.lead, article.body) if t)  # a page without a sapo: its first paragraph leads


def _assert_card_cut(article) -> None:
    text = _text_of(article)
    assert clean_line(_CARD_HEADLINE) not in text and clean_line(_CARD_HEADLINE) in article.related_headlines
    assert "Nhiều người dân nhận cuộc gọi" not in text and "ĐỌC NGAY" not in text  # summary and button dropped
    assert "Công an tỉnh vừa bắt giữ nhóm đối tượng" in text and "Các đối tượng đã lừa hơn 40 người" in article.body


def test_related_card_with_heading_link_and_button():
    card = (f'<div class="box-inline"><ul><li><a href="{_CARD_URL}"><img src="https://cdn.baomau.vn/thumb.jpg" alt="Mạo danh">'
            f'</a><h4><a href="{_CARD_URL}">{_CARD_HEADLINE}</a></h4><a href="{_CARD_URL}"><span>ĐỌC NGAY</span></a>'
            "</li></ul></div>")
    _assert_card_cut(_card_article(card))


def test_related_card_with_title_link_and_summary():
    card = (f'<div class="inner"><div class="item"><p class="thumb"><a href="{_CARD_URL}">'
            f'<img src="https://cdn.baomau.vn/thumb.jpg" alt="mao danh"></a></p><header><p class="name">'
            f'<a href="{_CARD_URL}">{_CARD_HEADLINE}</a></p><p class="text">{_CARD_SUMMARY}</p></header></div></div>')
    _assert_card_cut(_card_article(card))


def test_inline_link_in_a_paragraph_stays_in_the_body():
    para = (f'<p>Như báo đã đưa tin trong bài <a href="{_CARD_URL}">{_CARD_HEADLINE}</a>, các đối tượng thường gọi'
            " điện rồi gửi đường dẫn cài ứng dụng giả mạo cho người dân.</p>")
    figure = ('<figure><a href="https://cdn.baomau.vn/anh-lon.jpg"><img src="https://cdn.baomau.vn/anh.jpg" alt="Tang vật">'
              "</a><figcaption>Tang vật thu giữ tại trụ sở công an (Ảnh: Hải Minh)</figcaption></figure>")
    article = _card_article(para + figure)
    assert clean_line(_CARD_HEADLINE) in article.body and "các đối tượng thường gọi điện" in article.body
    assert article.related_headlines == []
    assert any("Tang vật thu giữ" in c.text for c in article.captions)  # a figure whose image links to its file
