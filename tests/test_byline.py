"""Byline rules (byline.py) on single lines: what reads as a writer's name, a name beside a date, or a
"Theo X" attribution, and the lines that must not (sentences, captions, menu labels, datelines)."""

from __future__ import annotations

import pytest

from vncyberdata.parse.byline import attribution_source, author_and_date, author_name


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Hải Minh", "Hải Minh"),
        ("MINH CHÂU", "MINH CHÂU"),
        ("Bài và ảnh: Minh Châu", "Minh Châu"),
        ("Tác giả: Nguyễn Văn An", "Nguyễn Văn An"),
        ("PV", "PV"),
        ("Nhóm PV", "Nhóm PV"),
        ("Ngọc Lan (tổng hợp)", "Ngọc Lan"),
        ("Ngọc Lan (Tổng hợp)", "Ngọc Lan"),
        ("Ngọc Lan (T/H)", "Ngọc Lan"),
        ("Ngọc Lan (theo Reuters)", "Ngọc Lan"),
        ("Trần Quốc Bảo (tổng hợp theo Bộ Công an)", "Trần Quốc Bảo"),
        ("Hoàng Anh (theo Báo điện tử Chính phủ và Cổng thông tin Bộ Công an)", "Hoàng Anh"),
        ("PV (tổng hợp)", "PV"),
        ("Bài: Thu Trang (tổng hợp)", "Thu Trang"),
        ("Hoàng Quân/VOV.VN", "Hoàng Quân"),  # the outlet after a slash
        ("Minh Hòa/TTXVN", "Minh Hòa"),
        ("Đình Huy Theo dõi", "Đình Huy"),  # a follow button after the name
        ("Đình Huy (BUTTON) Theo dõi", "Đình Huy"),
    ],
)
def test_author_name(line, name):
    assert author_name(line) == name


@pytest.mark.parametrize(
    "line",
    [
        "Công an tỉnh cảnh báo người dân về thủ đoạn lừa đảo mới.",  # a sentence
        "Đối tượng Lâm Hữu T. tại cơ quan điều tra (Ảnh: Bộ Công an)",  # a caption
        "Căn hộ được dựng thành văn phòng cảnh sát giả (theo Công an)",  # a caption crediting its source
        "Pháp luật",  # a menu label
        "Thời sự",
        "Tin liên quan",
        "Hà Nội (theo TTXVN)",  # a dateline
        "(tổng hợp)",
        "Ngọc Lan (ảnh minh họa)",
        "Hải Minh - 07/03/2026 08:47",  # a name and a date: author_and_date's job
        "",
    ],
)
def test_not_an_author_name(line):
    assert author_name(line) is None


def test_plain_name_lines_read_as_before():
    # a bare two-word capitalised line has always read as a name; the dateline check is for the new forms only
    assert author_name("Hà Nội") == "Hà Nội"
    assert author_name("x" * 60) is None
    assert author_name("Một Hai Ba Bốn Năm Sáu") is None  # more than five words
    # "Theo VnExpress" is also name-shaped: readers try attribution_source first, as the text parser does
    assert attribution_source("Theo VnExpress") == "VnExpress"


@pytest.mark.parametrize(
    ("line", "pair"),
    [
        ("Minh Châu - 07/03/2026 08:47", ("Minh Châu", "07/03/2026 08:47")),
        ("Minh Châu – 07/03/2026 08:47", ("Minh Châu", "07/03/2026 08:47")),
        ("Minh Châu | 07/03/2026 08:47", ("Minh Châu", "07/03/2026 08:47")),
        ("Minh Châu|07/03/2026 08:47", ("Minh Châu", "07/03/2026 08:47")),
        ("Minh Châu • 07/03/2026 • 08:47", ("Minh Châu", "07/03/2026 08:47")),
        ("Đặng Minh Khoa - Thứ Bảy, 07/03/2026 - 08:47 (GMT+7)", ("Đặng Minh Khoa", "Thứ Bảy, 07/03/2026 - 08:47 (GMT+7)")),
        ("Tác giả: Minh Châu | 07/03/2026", ("Minh Châu", "07/03/2026")),
        ("PV - 7/3/2026 08:47", ("PV", "7/3/2026 08:47")),
        ("Hạ An, 20:15 18/11/2026", ("Hạ An", "20:15 18/11/2026")),  # kenh14: comma, time before the date
        ("Tùng Lâm Thứ Năm, 12/11/2026 14:35 (GMT+7)", ("Tùng Lâm", "Thứ Năm, 12/11/2026 14:35 (GMT+7)")),
    ],
)
def test_author_and_date(line, pair):
    assert author_and_date(line) == pair


@pytest.mark.parametrize(
    "line",
    [
        "Hà Nội - 07/03/2026",  # a dateline
        "TP HCM - 07/03/2026 08:47",
        "Đà Nẵng | 07/03/2026",
        "Thứ Bảy - 07/03/2026 08:47",  # a weekday
        "Thứ Bảy, 07/03/2026 08:47",  # a date line
        "07/03/2026 08:47",
        "Minh Châu - 2 giờ trước",  # no date
        "Minh Châu - Hà Nội",
        "Công an tỉnh cho biết - 07/03/2026",  # not a name
        "Pháp luật | 07/03/2026",  # a menu label
        "Ngày 07/03/2026, Công an tỉnh bắt giữ 6 đối tượng - 08:47",
        "Minh Châu - 07/03/2026 08:47 cập nhật lần cuối",  # more than a date after the name
        "Minh Châu - 45/13/2026",
        "Hà Nội, 20:15 18/11/2026",  # a dateline with a comma
        "Thứ Năm, 12/11/2026 14:35",
        "",
    ],
)
def test_not_author_and_date(line):
    assert author_and_date(line) is None


@pytest.mark.parametrize(
    ("line", "source"),
    [("Theo VnExpress", "VnExpress"), ("(Theo TTXVN)", "TTXVN"), ("Nguồn: Bộ Công an", "Bộ Công an"), ("Theo Hải Minh", "Hải Minh")],
)
def test_attribution_source(line, source):
    assert attribution_source(line) == source


@pytest.mark.parametrize("line", ["Theo điều tra, nhóm đối tượng thuê một căn hộ, trang trí như văn phòng.", "Ngọc Lan (theo Reuters)", "Hải Minh"])
def test_not_an_attribution(line):
    assert attribution_source(line) is None
