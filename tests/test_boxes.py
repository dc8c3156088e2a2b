"""Boxes inside a whole page's article (boxes.py): related boxes, cards and image alt text between the
paragraphs leave the body; the article's own lists and subheadings stay; the writer's name after a box of
headlines is the author."""

from __future__ import annotations

from test_locate import BODY, FOOTER, HEADER, LEAD, META, _parse

from vncyberdata.parse import boxes
from vncyberdata.parse.parse import Parsed

TITLE = "Bắt nhóm đối tượng giả danh nhân viên ngân hàng lừa đảo cho vay vốn lãi suất thấp"
RELATED = [
    "Cảnh báo chiêu lừa tuyển cộng tác viên chốt đơn online nhắm vào sinh viên mùa nhập học",
    "Nam sinh bị bắt cóc online, gia đình suýt chuyển 500 triệu đồng cho kẻ gian",
]
SUBHEADING = "Thu giữ hàng trăm sim rác"


def _whole_page(middle: list[str], tail: list[str] = ()) -> str:
    """A whole-page dump: header, date, title, share bar, lead, BODY[0], `middle`, BODY[1:], `tail`, footer."""
    lines = [*HEADER, "Thứ Hai, 10/11/2025 15:30 (GMT+7)", TITLE, "Chia sẻ Facebook Zalo Sao chép link", "", LEAD, "",
             BODY[0], "", *middle, "", BODY[1], "", BODY[2], "", *tail, *FOOTER]
    return "\n".join(lines) + "\n"


def _article(middle: list[str], tail: list[str] = ()):
    result = _parse(_whole_page(middle, tail))
    assert isinstance(result, Parsed), result
    return result.article


def test_bulleted_related_box_between_paragraphs_leaves_the_body():
    a = _article([f"  • {RELATED[0]}", f"  • {RELATED[1]}"])
    assert a.title == TITLE
    for headline in RELATED:
        assert headline not in a.body and headline in a.related_headlines
    assert BODY[1] in a.body and BODY[2] in a.body


def test_unbulleted_box_goes_and_the_subheading_under_it_stays():
    """A browser's select-all copy prints the box's items and the next subheading on consecutive lines."""
    a = _article([*RELATED, SUBHEADING])
    assert all(h not in a.body for h in RELATED)
    assert SUBHEADING in a.body.split("\n\n")


def test_marker_box_card_and_its_summary_leave_the_body():
    summary = "Chỉ sau một cuộc gọi, tài khoản của cụ bà bị rút hơn 800 triệu đồng."
    a = _article(["Tin liên quan", "[thumb-1760927000]", "", RELATED[1], "", summary])
    assert RELATED[1] not in a.body and summary not in a.body
    assert BODY[1] in a.body


def test_the_articles_own_list_after_a_colon_stays():
    intro = ("Cơ quan công an khuyến cáo người dân cần lưu ý những điểm sau để không trở thành nạn nhân của các "
             "đường dây lừa đảo:")
    items = ["  • Không cung cấp mã OTP cho bất kỳ ai qua điện thoại hoặc tin nhắn",
             "  • Không bấm vào đường link lạ được gửi qua mạng xã hội hay tin nhắn"]
    a = _article([intro, "", *items])
    assert intro in a.body
    for item in items:
        assert item.strip("  • ") in a.body


def test_the_title_again_as_an_image_alt_text_is_not_body():
    a = _article([f"{TITLE} - Ảnh 1.", "", "Tang vật thu giữ tại cơ quan công an. Ảnh: Công an cung cấp"])
    assert TITLE not in a.body
    assert [c.credit for c in a.captions] == ["Công an cung cấp"]


def test_the_writers_name_after_a_box_of_headlines_is_the_author():
    page = _whole_page([], tail=[f"  • {RELATED[0]}", f"  • {RELATED[1]}", "", "Hoàng Quân/VOV.VN", ""])
    page = page.replace("Minh Anh\n", "")
    result = _parse(page)
    assert isinstance(result, Parsed)
    assert result.article.author == "Hoàng Quân"
    assert "Hoàng Quân" not in result.article.body


def test_a_long_subheading_alone_between_paragraphs_stays():
    """One headline-length line with nothing else in its run is a subheading, not a card."""
    long_subheading = "Nhóm đối tượng thuê căn hộ ở trung tâm thành phố làm nơi gọi điện cho người dân"
    a = _article([long_subheading])
    assert long_subheading in a.body.split("\n\n")


def test_strip_marks():
    assert boxes.strip_marks("  • [ma_doc-176]Cảnh báo mã độc") == "Cảnh báo mã độc"
