"""The final report's paragraphs, word for word in both languages: Vietnamese groups digits with
dots and keeps its nouns unchanged, English with commas and a singular for one."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from analytics_app.engine import KpiScore
from analytics_app.reports.narrative import Facts, narrative

AS_OF = datetime(2025, 12, 1, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _score(kpi: str, actual: float | None, percent: float | None, status: str) -> KpiScore:
    return KpiScore(
        "o1",
        "Objective",
        kpi,
        "reach",
        2_000_000,
        actual,
        percent,
        0,
        None,
        status,
        "",
        AS_OF,
        None,
    )


def test_both_languages_quote_the_same_figures() -> None:
    facts = Facts(
        first_day=date(2025, 11, 15),
        last_day=date(2025, 12, 14),
        ended=False,
        as_of=AS_OF,
        scope_vi="Toàn quốc",
        scope_en="National",
        posts=1234,
        clips=1,
        key_date_items=12,
        on_time=1200,
        late=30,
        failed=4,
        missed=1,
        active_units=1,
        kpis=[_score("reach", 1_234_567, 61.7, "at_risk"), _score("views", None, None, "no_data")],
        best=("launch", "ncfaw-fb", 4321),
    )
    told = narrative(facts)
    assert told["vi"] == [
        "Trong Tháng hành động (từ 15/11/2025 đến 14/12/2025), phạm vi Toàn quốc đã đăng 1.234 "
        "bài viết và 1 clip, trong đó 12 lượt đăng vào các ngày trọng điểm; 1 đơn vị có nội dung "
        "được đăng. 1.200 lượt đăng đúng giờ, 30 muộn, 4 lỗi và 1 bị bỏ lỡ.",
        "Trên 2 chỉ tiêu: 0 đúng tiến độ, 1 có nguy cơ, 0 chậm tiến độ, 1 chưa có số liệu.",
        "Kết quả: reach: 1.234.567 (62% mục tiêu); views: chưa có số liệu.",
        "Nội dung nổi bật nhất: launch trên kênh ncfaw-fb, 4.321 lượt tương tác sau 7 ngày.",
        "Chiến dịch chưa kết thúc: số liệu tạm tính đến 01/12/2025 09:30.",
    ]
    assert told["en"] == [
        "During the Action Month (15/11/2025 to 14/12/2025), National published 1,234 posts and "
        "1 clip, 12 of them on key dates; 1 unit had content published. 1,200 went out on time, "
        "30 late, 4 failed and 1 were missed.",
        "Of 2 KPIs: 0 on track, 1 at risk, 0 behind, 1 without data.",
        "Results: reach: 1,234,567 (62% of target); views: no data.",
        "Top content: launch on ncfaw-fb, 4,321 engagements after 7 days.",
        "The campaign has not ended: figures are provisional as of 01/12/2025 09:30.",
    ]
