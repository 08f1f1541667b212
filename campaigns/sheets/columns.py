"""The columns of an officer's calendar sheet, in English and Vietnamese, and header matching.

Headers are matched case- and diacritics-insensitively ("Ngày", "ngay", "NGÀY" are one column),
and a trailing hint in parentheses is ignored ("Date (dd/mm/yyyy)").
"""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str  # canonical name, as the importer and its messages use it
    en: str  # header of the English template
    vi: str  # header of the Vietnamese template
    aliases: tuple[str, ...]  # further accepted headers, already folded
    required: bool
    width: int  # characters, for the template
    help_en: str
    help_vi: str
    example: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "date",
        "Date",
        "Ngày",
        ("ngay dang", "publish date"),
        True,
        13,
        "Day of publication: an Excel date or dd/mm/yyyy text, inside the campaign window.",
        "Ngày đăng: ô ngày của Excel hoặc chữ dạng dd/mm/yyyy, trong thời gian của chiến dịch.",
        "25/11/2025",
    ),
    Column(
        "time",
        "Time",
        "Giờ",
        ("gio dang", "thoi gian", "publish time"),
        True,
        8,
        "Time of publication in the campaign's time zone: an Excel time or HH:MM.",
        "Giờ đăng theo múi giờ của chiến dịch: ô giờ của Excel hoặc chữ dạng HH:MM.",
        "07:30",
    ),
    Column(
        "channel",
        "Channel",
        "Kênh",
        ("channels", "kenh dang", "trang"),
        True,
        22,
        "Channel key(s) of the campaign; several, separated by commas, give one publication each.",
        "Mã kênh của chiến dịch; nhiều kênh cách nhau bằng dấu phẩy, mỗi kênh một lượt đăng.",
        "ncfaw-fb",
    ),
    Column(
        "kind",
        "Kind",
        "Loại",
        ("type", "loai noi dung", "loai bai"),
        True,
        9,
        "post, link, photo or clip. YouTube channels take clips only.",
        "post (bài viết), link (liên kết), photo (ảnh) hoặc clip (video). Kênh YouTube chỉ đăng clip.",
        "post",
    ),
    Column(
        "title",
        "Title",
        "Tiêu đề",
        ("tieu de video",),
        False,
        30,
        "Title of a clip (YouTube: at most 100 characters, no < or >). Optional for other kinds.",
        "Tiêu đề của clip (YouTube: tối đa 100 ký tự, không có dấu < >). Không bắt buộc với loại khác.",
        "",
    ),
    Column(
        "message",
        "Message",
        "Nội dung",
        ("text", "noi dung bai", "mo ta", "description"),
        False,
        60,
        "Text of the post; for a clip, its description (YouTube: at most 5,000 bytes).",
        "Nội dung bài đăng; với clip là phần mô tả (YouTube: tối đa 5.000 byte).",
        "25/11 — Ngày Quốc tế xóa bỏ bạo lực đối với phụ nữ. #TheOrangeDay",
    ),
    Column(
        "link",
        "Link",
        "Liên kết",
        ("url", "duong dan", "lien ket url"),
        False,
        30,
        "Web address for a row of kind link (https://...).",
        "Địa chỉ trang web cho dòng loại link (https://...).",
        "",
    ),
    Column(
        "media",
        "Media",
        "Tệp",
        ("file", "tep tin", "phuong tien", "tep dinh kem", "anh/video"),
        False,
        26,
        "Image (photo) or video (clip) file, relative to the sheet's folder.",
        "Tệp ảnh (photo) hoặc video (clip), đường dẫn tính từ thư mục chứa bảng tính.",
        "",
    ),
    Column(
        "objectives",
        "Objectives",
        "Mục tiêu",
        ("objective", "muc tieu chien dich"),
        False,
        14,
        "Objective keys of the campaign, separated by commas or semicolons.",
        "Mã mục tiêu của chiến dịch, cách nhau bằng dấu phẩy hoặc chấm phẩy.",
        "O2, O3",
    ),
    Column(
        "audiences",
        "Audiences",
        "Đối tượng",
        ("audience", "nhom doi tuong", "doi tuong tiep can"),
        False,
        18,
        "Audience labels (general, youth, women, girls, parents, men, ...), comma-separated.",
        "Nhóm đối tượng (general, youth, women, girls, parents, men, ...), cách nhau bằng dấu phẩy.",
        "general",
    ),
)

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}


def fold(text: str) -> str:
    """Lower case without diacritics or extra spaces: 'Đối  tượng' -> 'doi tuong'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def _header_key(text: str) -> str:
    return fold(re.sub(r"\([^)]*\)\s*$", "", text)).replace("_", " ")


_LOOKUP: dict[str, str] = {}
for _col in COLUMNS:
    for _alias in (_col.name, _col.en, _col.vi, *_col.aliases):
        _LOOKUP[_header_key(_alias)] = _col.name


def column_for(header: str) -> str | None:
    """The canonical column a header names, or None when it names none."""
    return _LOOKUP.get(_header_key(header))


def header(name: str, lang: str) -> str:
    col = BY_NAME[name]
    return col.vi if lang == "vi" else col.en
