"""Vietnamese date forms, date lines versus sentences, yearless dates and year inference."""

from __future__ import annotations

import datetime as dt

import pytest

from vncyberdata.parse.dates import find_opening_date, infer_year, parse_date_line, parse_labelled_date_line


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("08/07/2025", (8, 7, 2025, None, None)),
        ("Thứ Hai, 06/11/2025 15:30 (GMT+7)", (6, 11, 2025, "15:30", "+07:00")),
        ("Thứ năm, 2/11/2023, 19:20 (GMT+7)", (2, 11, 2023, "19:20", "+07:00")),
        ("Ngày 8 tháng 7 năm 2025", (8, 7, 2025, None, None)),
        ("Cập nhật: 15:42 | 18/12/2025", (18, 12, 2025, "15:42", None)),
        ("Chủ nhật, 01/06/2025 - 07:05", (1, 6, 2025, "07:05", None)),
        ("17-09-2025 - 10:42 AM", (17, 9, 2025, "10:42", None)),
        ("17-09-2025 - 02:05 PM", (17, 9, 2025, "14:05", None)),  # a 12-hour clock
        ("17-09-2025 - 12:30 AM", (17, 9, 2025, "00:30", None)),
    ],
)
def test_date_lines(line, want):
    found = parse_date_line(line)
    assert found is not None
    assert (found.day, found.month, found.year, found.time, found.utc_offset) == want
    assert found.source == "date_line" and found.evidence == line


@pytest.mark.parametrize(
    "line",
    [
        "Từ ngày 08 - 11/7/2025, Văn phòng Cơ quan Cảnh sát điều tra tổ chức Hội nghị.",
        "vào chiều ngày 09/7/2025.",
        "31/02/2025",  # no such day
        "Tin cũ 08/07/2025",
        "Công văn V/v thông báo lịch nghỉ Tết",
    ],
)
def test_not_date_lines(line):
    assert parse_date_line(line) is None


def test_yearless_opening_dates_keep_their_year_unknown():
    found = find_opening_date("Chiều 6/11, tại họp báo thường kỳ của Bộ Ngoại giao, ...")
    assert (found.day, found.month, found.year, found.evidence) == (6, 11, None, "Chiều 6/11")
    assert find_opening_date("Sáng 25/2, Công an tỉnh ...").evidence == "Sáng 25/2"
    assert find_opening_date("Ngày 8 tháng 7 năm 2025, Bộ Công an ...").year == 2025
    assert find_opening_date("Người phát ngôn cho biết ngày 6/11 ...") is None
    assert infer_year(found, None) == found


def test_year_inference_uses_the_latest_date_not_after_retrieval():
    found = find_opening_date("Chiều 6/11, ...")
    assert infer_year(found, dt.date(2025, 12, 1)).year == 2025
    assert infer_year(found, dt.date(2025, 11, 6)).year == 2025
    inferred = infer_year(found, dt.date(2025, 11, 5))
    assert inferred.year == 2024 and inferred.year_inferred
    leap = find_opening_date("Sáng 29/2, ...")
    assert infer_year(leap, dt.date(2025, 3, 1)).year == 2024


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("Kinh tế số 17-09-2025 - 10:42 AM", (17, 9, 2025, "10:42")),  # the section's name beside the date
        ("14-11-2025 - 06:30 AM | Pháp luật", (14, 11, 2025, "06:30")),
        ("Thứ Hai, 06/11/2025 15:30", (6, 11, 2025, "15:30")),  # a plain date line reads too
    ],
)
def test_labelled_date_lines(line, want):
    found = parse_labelled_date_line(line)
    assert found is not None and (found.day, found.month, found.year, found.time) == want


@pytest.mark.parametrize(
    "line",
    [
        "Ngày 3/11/2025 công an bắt giữ 5 đối tượng.",  # a sentence
        "Cập nhật lúc 17-09-2025 theo giờ Hà Nội, có thay đổi",  # too many other words
        "Hạ An, 20:15 18/11/2026 hơn 1,2 tỷ",  # a number among the words
    ],
)
def test_not_labelled_date_lines(line):
    assert parse_labelled_date_line(line) is None
