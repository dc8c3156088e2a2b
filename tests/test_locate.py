"""Whole-page dumps: the article is found inside menus, banners and footers; a dump with no findable article
is dropped as `no_article` (and `validate` says so), never kept with a garbage title."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
import sites
from conftest import RAW

from vncyberdata.parse import article_check, locate
from vncyberdata.build.build import build
from vncyberdata.parse.chrome import default_table
from vncyberdata.parse.parse import Parsed, Rejection, parse
from vncyberdata.model.record import RawMeta
from vncyberdata.intake.validate import validate

META = RawMeta(publisher="Báo Mẫu Điện Tử", license="test")

LEAD = ("Công an tỉnh vừa bắt giữ nhóm đối tượng giả danh cán bộ ngân hàng, gọi điện yêu cầu người dân chuyển tiền "
        "vào tài khoản lạ để được hỗ trợ vay vốn với lãi suất thấp.")
BODY = [
    "Theo cơ quan điều tra, từ đầu năm 2025 nhóm này thuê một căn hộ ở trung tâm thành phố làm nơi gọi điện, "
    "sử dụng hàng trăm sim rác và các tài khoản mạng xã hội được mua lại của người khác.",
    "Các đối tượng tự xưng là nhân viên ngân hàng, thông báo khoản vay đã được duyệt nhưng người vay phải nộp "
    "trước một khoản phí bảo hiểm và phí xác minh hồ sơ thì mới được giải ngân.",
    "Bước đầu, cơ quan công an xác định nhóm này đã chiếm đoạt của hơn 200 người với tổng số tiền khoảng 9 tỷ "
    "đồng; vụ án đang được mở rộng điều tra để xử lý theo quy định của pháp luật.",
]

HEADER = ["Báo Mẫu Điện Tử - Tin tức cập nhật liên tục 24/7", "Thứ Năm, 20/11/2025", "", "  • Thời sự", "  • Pháp luật",
          "  • Kinh doanh", "  • Số hóa", "", "(BUTTON) Đăng nhập", ""]
FOOTER = ["", "Đọc nhiều", "  1. Cảnh báo ứng dụng giả mạo dịch vụ công đánh cắp tài khoản ngân hàng",
          "  2. Người đàn ông mất 3 tỷ đồng vì tin lời chuyên gia tài chính trên mạng", "",
          "Báo Mẫu Điện Tử. Giấy phép số 000/GP-BTTTT. Tổng biên tập: Nguyễn Văn Mẫu.", "Bản quyền thuộc về Báo Mẫu Điện Tử."]


OTHER_LEAD = ("Cơ quan Cảnh sát điều tra vừa khởi tố vụ án lừa đảo qua ứng dụng làm nhiệm vụ, trong đó hàng trăm "
              "sinh viên bị dụ nạp tiền để nhận hoa hồng rồi bị chiếm đoạt.")
OTHER_BODY = [
    "Theo hồ sơ, các đối tượng lập nhiều nhóm trên ứng dụng nhắn tin, đăng bài tuyển người làm việc tại nhà với "
    "thu nhập từ 500.000 đến 2 triệu đồng mỗi ngày mà không cần kinh nghiệm.",
    "Người tham gia được giao nhiệm vụ thả tim, theo dõi video; những lần đầu được trả tiền thật để tạo lòng tin, "
    "sau đó bị yêu cầu nạp số tiền lớn hơn cho các nhiệm vụ gọi là nâng cấp.",
    "Khi nạn nhân muốn rút tiền, nhóm này viện lý do thao tác sai và buộc nộp thêm phí; đến nay đã có hơn 300 "
    "người trình báo với tổng thiệt hại khoảng 27 tỷ đồng.",
]


def _page(title: str, date: str = "Thứ Hai, 10/11/2025 15:30 (GMT+7)", lead: str = LEAD, body=BODY) -> str:
    lines = [*HEADER, date, title, "Chia sẻ Facebook Zalo Sao chép link", "", lead, ""]
    for para in body:
        lines += [para, ""]
    lines += ["Minh Anh", *FOOTER]
    return "\n".join(lines) + "\n"


def _parse(text: str, meta: RawMeta = META):
    return parse(text.encode("utf-8"), meta, "page.txt")


# ------------------------------------------------------------------------------------ fixture set


def test_whole_page_fixture_set_covers_sites_and_styles():
    names = sites.site_names()
    assert len(names) >= 12
    for name in names:
        folder = sites.SITES / name
        for form in sites.DUMPS:
            assert (folder / f"dump.{form}.txt").stat().st_size > 0, (name, form)
        expect = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
        assert len(expect["body_present"]) >= 4 and len(expect["body_absent"]) >= 8, name


def test_whole_page_fixtures_stay_above_the_pinned_floors():
    """The share of right title / date / author / body checks over every site, per kind of input. The floors
    only go up (as trafilatura pins its own); `python tests/sites.py` prints what is wrong where."""
    results = sites.table()
    for forms, floor in ((sites.DUMPS, sites.DUMP_FLOOR), (("html",), sites.HTML_FLOOR)):
        cells = [v for (_site, form), checks in results.items() if form in forms for v in checks.values()]
        right = sum(v is None for v in cells) / len(cells)
        wrong = [f"{s}/{f}: {k}: {v}" for (s, f), c in results.items() if f in forms for k, v in c.items() if v]
        assert right >= floor, f"{right:.1%} < {floor:.0%} for {forms}:\n" + "\n".join(wrong)


def test_titles_of_whole_page_dumps_are_never_furniture():
    """Whatever else is wrong on a site, its title is the headline or the dump is dropped: never a menu
    label, a share bar, the site's name or a banner."""
    for name in sites.site_names():
        expect = json.loads((sites.SITES / name / "expect.json").read_text(encoding="utf-8"))
        for form in sites.FORMS:
            result = sites.run(name, form)
            if isinstance(result, Parsed):
                assert result.article.title == sites.clean_line(expect["title"]), (name, form, result.article.title)


# ------------------------------------------------------------------------------------ localisation


def test_the_article_is_found_below_menus_and_banners():
    result = _parse(_page("Bắt nhóm giả danh nhân viên ngân hàng lừa đảo hơn 9 tỷ đồng"))
    assert isinstance(result, Parsed), result
    a = result.article
    assert a.title == "Bắt nhóm giả danh nhân viên ngân hàng lừa đảo hơn 9 tỷ đồng"
    assert (a.published_year, a.published_month, a.published_day) == (2025, 11, 10)  # not the top bar's date
    assert a.lead == LEAD and a.body.split("\n\n") == BODY and a.author == "Minh Anh"
    for residue in ("Thời sự", "Đăng nhập", "Sao chép link", "Đọc nhiều", "Giấy phép", "Cảnh báo ứng dụng"):
        assert residue not in a.body and residue not in a.lead
    assert result.line_classes[0] == "chrome" and "title" in result.line_classes


def test_every_line_of_a_whole_page_dump_has_one_class():
    text = _page("Bắt nhóm giả danh nhân viên ngân hàng lừa đảo hơn 9 tỷ đồng")
    result = _parse(text)
    assert len(result.line_classes) == len(text.splitlines())
    assert result.line_classes.count("title") == 1


def test_bare_section_labels_above_the_date_are_not_the_title():
    """A dump that starts with section labels on their own lines, then the date line, then the headline."""
    text = "\n".join(["Thời sự", "Pháp luật", "", "Thứ Năm, 06/11/2025 15:30 (GMT+7)",
                      "Triệt phá nhóm giả danh công an lừa đảo hơn 12 tỷ đồng", LEAD, *BODY]) + "\n"
    a = _parse(text).article
    assert a.title == "Triệt phá nhóm giả danh công an lừa đảo hơn 12 tỷ đồng"
    assert (a.published_month, a.published_day) == (11, 6)
    assert "Thời sự" not in a.body and "Pháp luật" not in a.body


def test_a_long_paragraph_above_a_lone_credit_line_stays_in_the_body():
    long_para = (
        "Qua công tác nắm tình hình trên không gian mạng, lực lượng chức năng phát hiện một nhóm đối tượng thường "
        "xuyên đăng tin tuyển cộng tác viên bán hàng trực tuyến, hứa hẹn mức hoa hồng cao cho những người chỉ cần "
        "làm vài nhiệm vụ đơn giản trên điện thoại, sau đó yêu cầu nạp tiền ngày càng nhiều rồi chiếm đoạt."
    )
    text = "\n".join(["Cảnh giác với chiêu tuyển cộng tác viên bán hàng trực tuyến", LEAD, long_para,
                      "Ảnh minh họa: Công an Hà Nội", *BODY]) + "\n"
    a = _parse(text).article
    assert long_para in a.body.split("\n\n")
    assert all(c.text != long_para for c in a.captions)


def test_a_share_bar_between_title_and_lead_is_chrome_not_the_title():
    text = _page("Bắt nhóm giả danh nhân viên ngân hàng lừa đảo hơn 9 tỷ đồng")
    classes = dict(zip(text.splitlines(), _parse(text).line_classes))
    assert classes["Chia sẻ Facebook Zalo Sao chép link"] == "chrome"


def test_headline_shape():
    ok = ["Bắt nhóm giả danh nhân viên Interpol lừa đảo 18 tỷ đồng", "Dẫn độ nghi phạm lừa đảo từ Thái Lan về nước"]
    bad = ["• Pháp luật", "Refresh (1800 sec)", "#alternate alternate", "VietNamNet", "(BUTTON) Xem thêm",
           "HOTLINE: [PHONE] - LIÊN HỆ QUẢNG CÁO - ĐẶT MUA BÁO", "Thứ Năm, 06/11/2025 15:30 (GMT+7)",
           "Công an cho biết nhóm này đã chiếm đoạt tiền của nhiều người.", "Trang chủ > Pháp luật > An ninh trật tự"]
    assert all(locate.is_headline(t) for t in ok)
    assert not any(locate.is_headline(t) for t in bad)


@pytest.mark.parametrize(
    "title",
    ["•", "Refresh (1800 sec)", "#alternate alternate", "Báo Mẫu Điện Tử", "Báo Mẫu Điện Tử - Tin tức cập nhật liên tục 24/7",
     "(BUTTON) Xem thêm", "1. Bóng đá"],
)
def test_titles_that_are_never_headlines(title):
    assert article_check.title_problem(title, default_table(), "báo mẫu điện tử") is not None


# ------------------------------------------------------------------------------------ no_article

# A page whose article was not saved: menus, banners, boxes of headlines, a footer; no paragraphs of prose.
BROKEN = [*HEADER, "Tin mới", "  • Cảnh báo ứng dụng giả mạo dịch vụ công đánh cắp tài khoản ngân hàng",
          "  • Người đàn ông mất 3 tỷ đồng vì tin lời chuyên gia tài chính", "  • Bắt nhóm lừa đảo việc nhẹ lương cao",
          *FOOTER]


def test_a_dump_without_an_article_is_rejected_with_no_article_and_a_line():
    result = _parse("\n".join(BROKEN) + "\n")
    assert isinstance(result, Rejection) and result.code == "no_article"
    assert result.line is not None and "HTML" in result.hint


def test_menus_in_the_body_make_no_article():
    text = "\n".join(["Bắt nhóm lừa đảo qua mạng", "• Thời sự", "• Pháp luật", "• Kinh doanh", "• Số hóa"]) + "\n"
    result = _parse(text)
    assert isinstance(result, Rejection) and result.code in ("no_article", "no_body")


def _raw_with(tmp_path, pages: dict[str, str]):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for stem, text in pages.items():
        (raw / f"{stem}.txt").write_text(text, encoding="utf-8")
        (raw / f"{stem}.meta.json").write_text(json.dumps({"publisher": META.publisher, "license": "test"}))
    return raw


def test_broken_dumps_are_dropped_as_no_article_and_reported_by_validate(tmp_path):
    broken_two = [line.replace("3 tỷ", "5 tỷ") for line in BROKEN]  # another page of the same site
    raw = _raw_with(tmp_path, {"broken_a": "\n".join(BROKEN) + "\n", "broken_b": "\n".join(broken_two) + "\n"})
    report = build(raw, tmp_path / "dataset")
    assert report["dropped"] == {"no_article": 2}, report["dropped"]  # neither is a duplicate of the other
    findings = [f for f in validate(raw).findings if f.code == "no-article"]
    assert sorted(f.path for f in findings) == ["broken_a.txt", "broken_b.txt"]
    assert all(f.severity == "error" and f.line for f in findings)


def test_two_whole_page_dumps_of_one_site_never_share_an_id(tmp_path):
    """Same chrome, same publisher, no URL: the id comes from each page's own headline."""
    one = _page("Bắt nhóm giả danh nhân viên ngân hàng lừa đảo hơn 9 tỷ đồng")
    two = _page("Triệt phá đường dây lừa đảo việc nhẹ lương cao qua ứng dụng", lead=OTHER_LEAD, body=OTHER_BODY)
    raw = _raw_with(tmp_path, {"page_one": one, "page_two": two})
    report = build(raw, tmp_path / "dataset")
    a, b = _parse(one).article, _parse(two).article
    assert a.id != b.id
    assert report["dropped"] == {}, report["dropped"]  # both pages kept: the seeds plus two
    assert sum(report["splits"]["articles"].values()) == 4


def test_the_build_report_counts_title_evidence_and_html_disagreements(tmp_path):
    """Why each title was chosen is counted in build-report.json ("evidence"), with the HTML sources that
    disagreed; `parse --lines` prints the same for one file."""
    raw = _raw_with(tmp_path, {"page_one": _page("Bắt nhóm giả danh nhân viên ngân hàng lừa đảo hơn 9 tỷ đồng")})
    site = sites.SITES / "vnexpress"
    shutil.copy(site / "page.html", raw / "vnexpress.html")
    shutil.copy(site / "page.meta.json", raw / "vnexpress.meta.json")
    report = build(raw, tmp_path / "dataset")
    evidence = report["evidence"]
    seeds = len(list(RAW.glob("*.txt")))
    assert evidence["title"]["first_line"] == seeds  # article-only dumps: the first line, as before
    assert evidence["title"]["words_in_article"] >= 1 and evidence["title"]["next_to_date"] >= 1  # the whole page
    assert evidence["title"]["visible"] == 1 and evidence["author"]["visible"] == 1  # the HTML page's h1, byline
    page = parse((site / "page.html").read_bytes(), sites.read_sidecar(site / "page.meta.json"), "p.html", raw_format="html")
    assert evidence["differs"] and sum(evidence["differs"].values()) == sum(c.startswith("differs:") for c in page.evidence)


# The word counts behind prose and language judgements, against the plain definitions they replace (a
# regular expression tried at every character): words with a letter, words with a Vietnamese letter in
# either case, and stopwords counted as whole runs of word characters.
_TEXT_PIECES = ["và", "Và", "VÀ", "của", "các", "là", "đã", "được", "người", "năm", "hoà", "Hà", "Nội", "ĐÀ",
                "ĐÂY", "Ở", "nhưngnhưngnhưng", "vàcủa", "K", "ǈ",
                "ư", "abc", "x", "_", "1", "2024", "²", "½", "(", ")", ",", ".", "-", "“", "”", "và,", "(của)",
                "và_của", " ", "  ", "\n", "\t", "\u00a0", "İ", "ß", "ǅ", "\u2028", "\x1c", "\ud800", "🙂", "𝐀"]


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_TEXT_PIECES), max_size=16).map("".join), st.text(max_size=60)))
def test_word_shares_follow_their_definitions(text):
    import re

    from vncyberdata.parse.locate import STOPWORDS, stopword_share, vietnamese_share
    from vncyberdata.parse.wordshare import VI_LETTERS

    words = len(re.findall(r"\S*[^\W\d_]\S*", text))
    vi = len(re.findall(r"\S*[" + "".join(sorted(VI_LETTERS)) + r"]\S*", text, re.IGNORECASE))
    assert vietnamese_share(text) == (vi / words if words else 0.0)
    stop = re.compile(r"(?<!\w)(?:" + "|".join(sorted(STOPWORDS, key=len, reverse=True)) + r")(?!\w)")
    n = len(text.split())
    assert stopword_share(text) == (len(stop.findall(text.casefold())) / n if n else 0.0)


def test_vietnamese_letters_match_in_either_case_as_an_ignorecase_pattern_would():
    import re

    from vncyberdata.parse.wordshare import _VI_CASES, VI_LETTERS

    ignorecase = re.compile("[" + "".join(sorted(VI_LETTERS)) + "]", re.IGNORECASE)
    assert {chr(c) for c in range(0x110000) if ignorecase.match(chr(c))} == set(_VI_CASES)


def test_the_character_table_is_the_expressions_classes():
    import re

    import numpy as np

    from vncyberdata.parse.wordshare import _LETTER, _SPACE, _VI, _VI_CASES, _classes

    chars = [chr(c) for c in range(0x10000)]
    space, letter = re.compile(r"\s"), re.compile(r"[^\W\d_]")
    want = [(_SPACE if space.match(c) else 0) | (_LETTER if letter.match(c) else 0) | (_VI if c in _VI_CASES else 0)
            for c in chars]
    assert np.array_equal(_classes(), np.array(want, dtype=np.uint8))


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_TEXT_PIECES), max_size=8).map("".join), st.lists(st.sampled_from(_TEXT_PIECES), max_size=8).map("".join))
def test_same_fold_is_equal_folds(a, b):
    assert locate.same_fold(a, b) == (locate.fold(a) == locate.fold(b))
    assert locate.same_fold(a, a.upper() if a.upper().casefold() == a.casefold() else a)


_LINE_PIECES = _TEXT_PIECES + ["- ", "• ", "* ", "–", "+", "▪", "►", "ǰ", "ΐ", "ﬁ", "quý", "qúy", "hoà", "hòa", "thuỷ",
                               "thủy", "o\u0301a", "\u200b", "\u00ad", "Q", "U"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=10).map("".join))
def test_fold_is_the_key_of_a_clean_line_and_of_its_text_after_bullets(text):
    from vncyberdata.parse.normalize import clean_line, key_text
    from vncyberdata.parse.walk import _BULLET

    line = clean_line(text)
    assert locate.fold(line) == key_text(line)
    after = _BULLET.sub("", line).strip()  # a related headline's text (walk keys it by fold)
    assert locate.fold(after) == key_text(after)


def _plain_is_prose(text: str) -> bool:
    """is_prose as first written: text.split(), then the stopword share."""
    words = text.split()
    if len(words) < locate.PROSE_MIN_WORDS or locate.is_residue(text):
        return False
    if not (locate._SENTENCE_END.search(text) or len(words) >= 30):
        return False
    return locate.stopword_share(text) >= locate.PROSE_MIN_STOPWORDS


_PROSE_PIECES = _TEXT_PIECES + [" ", " ", " ", "tiền", "mạng", "lừa", "đảo", "x y", ".", "!", ":", "”", "[icon]"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_PROSE_PIECES), min_size=5, max_size=45), st.sampled_from(["", " ", "", "."]))
def test_is_prose_is_its_plain_definition(pieces, joiner):
    text = joiner.join(pieces)
    assert locate.is_prose(text) == _plain_is_prose(text)


def test_the_only_printable_whitespace_is_the_space():
    """is_prose counts a printable text's words by its spaces: no other whitespace character is printable."""
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]


def _plain_title_problem(title: str, table, publisher_key: str) -> str | None:
    """title_problem as first written (character by character), to compare with."""
    from vncyberdata.parse import dates

    if sum(1 for c in title if c.isalpha()) < 10:
        return "few letters"
    if locate.is_residue(title) or locate.is_label(title) or table.match_clean(title) is not None:
        return "label"
    if locate.is_breadcrumb(title) or dates.parse_date_line(title) is not None:
        return "breadcrumb"
    if publisher_key and (locate.is_publisher(title, publisher_key)
                          or (len(f := [locate.fold(p) for p in locate.parts(title)]) > 1 and publisher_key in f)):
        return "publisher"
    caps = [c for c in title if c.isalpha()]
    if len(caps) >= 10 and all(c.isupper() for c in caps) and len(title.split()) > 12:
        return "banner"
    tokens = title.split()
    if sum(1 for t in tokens if sum(c.isalpha() for c in t) * 2 >= len(t)) * 2 < len(tokens):
        return "not words"
    return None


_TITLE_PIECES = _TEXT_PIECES + [" ", " ", " ", "BÁO MẪU", "báo mẫu", " - ", " | ", "LỪA ĐẢO", "TIỀN", "12/3/2024", "x1",
                                "a.b.c", "??", "中文", "ǅ"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_TITLE_PIECES), min_size=1, max_size=30), st.sampled_from([" ", "", " "]))
@example(["LỪA ĐẢO", "TIỀN", "BÁO MẪU", "ĐÂY", "Ở", "LỪA ĐẢO", "TIỀN", "ĐÀ", "ĐÂY", "X1", "LỪA ĐẢO"], " ")  # a banner
@example(["LỪA ĐẢO", "TIỀN", "ĐÂY", "Ở", "LỪA ĐẢO", "TIỀN", "ĐÀ", "ĐÂY", "abc", "LỪA ĐẢO", "Ở", "Ở"], " ")  # not one
def test_title_problem_is_its_plain_definition(pieces, joiner):
    title = joiner.join(pieces).strip()
    got = article_check.title_problem(title, default_table(), "báo mẫu")
    want = _plain_title_problem(title, default_table(), "báo mẫu")
    assert (got is None) == (want is None)
    if got is not None:
        assert {"few letters": "too few letters", "label": "menu label", "breadcrumb": "breadcrumb or a date",
                "publisher": "publisher's name", "banner": "all-capitals", "not words": "not mostly words"}[want] in got


def test_a_breadcrumb_holds_one_of_the_separators_looked_for_first():
    import re

    separators = {chr(c) for c in range(0x10000) if locate._BREADCRUMB_SEP.search(chr(c))}
    assert separators == set("/>|»›")  # is_breadcrumb's first test, written out
    assert re.fullmatch(r"\\s\*\(\?:[^()]*\)\\s\*", locate._BREADCRUMB_SEP.pattern)  # one character between spaces
    assert locate.is_breadcrumb("Trang chủ › Pháp luật") and not locate.is_breadcrumb("Trang chủ - Pháp luật")


_RESIDUE_PIECES = ["(BUTTON)", "(button)", "[", "]", "[x]", "[icon]", "[IMG 3]", "[image: a]", "[Inline]", "REFRESH(",
                   "Refresh (5 sec)", "#", "#a", "(IFRAME)", "(Submit)", "___", "__", "IFRAME:", "Tin", " ", "a" * 41]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_RESIDUE_PIECES), max_size=5).map("".join))
def test_residue_is_the_one_pattern_it_was(text):
    import re

    one = re.compile(
        r"^(?:\(BUTTON\)|\[[^\]]{0,40}\]|REFRESH\(|Refresh \(\d+ sec\)|#\w|\(IFRAME\)|\(Submit\)|_{3,}|IFRAME:)"
        r"|\[(?:icon|IMG|image|INLINE|BUTTON)[^\]]*\]",
        re.IGNORECASE,
    )
    assert locate.is_residue(text) == bool(one.search(text))


def _plain_match(table, line: str):
    """ChromeTable.match_clean as written first: every marker tried in table order."""
    folded = line.casefold()
    hits = [m for m in table.markers if m.matches(folded)]
    return hits[0] if hits else None


def test_chrome_matching_is_the_first_matching_row_of_the_table():
    """match_clean (dictionary look-up, prefix buckets, ranks kept by identity) returns what trying every
    marker in table order returns: on every marker's own text, on its text with more after it, and on a
    table where one row is written twice."""
    from vncyberdata.parse.chrome import parse_table

    table = default_table()
    texts = [m.key for m in table.markers] + [m.key + " và tin khác" for m in table.markers]
    texts += [m.key.upper() + ":" for m in table.markers] + ["Công an bắt giữ đối tượng lừa đảo", ""]
    for text in texts:
        assert table.match_clean(text) == _plain_match(table, text), text
    twice = parse_table('version = 1\n' + '[[marker]]\ntext = "Tin liên quan"\nmatch = "prefix"\nrole = "related"\nmax_len = 40\n' * 2
                        + '[[marker]]\ntext = "Tin liên quan"\nmatch = "exact"\nrole = "tail"\n')
    got = twice.match_clean("tin liên quan")
    assert got == _plain_match(twice, "tin liên quan") and got.role == "related" and got is twice.markers[0]


def test_the_prose_the_locating_judged_is_what_the_article_check_would_judge():
    """parse hands the article check the locating's `prose` of the paragraphs that are one dump line as it
    stands (parse._known_prose), instead of judging them again: the two must agree on every such paragraph."""
    from conftest import FIXTURES, PAGES, RAW

    from vncyberdata.intake.raw import read_sidecar, sidecar_for
    from vncyberdata.parse import parse as parse_module

    seen = {"prose": 0, "not prose": 0}
    dumps = [*sorted(PAGES.glob("*.txt")), *sorted(RAW.glob("*.txt")), *sorted(FIXTURES.glob("sites/*/dump.*.txt"))]
    for path in dumps:
        side = sidecar_for(path)
        meta = read_sidecar(side if side.exists() else path.parent / "page.meta.json")
        draft = parse_module.analyse(path.read_bytes(), meta)
        if isinstance(draft, parse_module.Rejection):
            continue
        texts = ([draft.lead] if draft.lead else []) + draft.paras
        for text, prose in parse_module._known_prose(draft.walk, texts).items():
            assert prose == locate.is_prose(text), (path.name, text[:80])
            seen["prose" if prose else "not prose"] += 1
    assert seen["prose"] > 200 and seen["not prose"] > 5, seen
