"""The engine's notes on a figure (a metric the platform stopped reporting, YouTube Analytics
numbers that arrive late) are worded in Vietnamese inside a Vietnamese reason, not left in
English."""

from dataclasses import replace

from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import scorecard
from analytics_app.engine.scorecard import KpiScore
from analytics_app.reports.gather import reason_text
from tests.analytics_app.factories import add_kpi, build_hand, local

RETIRED_VI = (
    "Ghi chú: Chỉ số lượt nhấp không còn được báo cáo từ 15/11/2025 10:00, trong khi các chỉ số "
    "khác vẫn có (có thể nền tảng đã ngừng cung cấp): số liệu thực tế chỉ tính phần đã đo được "
    "đến lúc đó; 2 trong số 3 bài được đo chưa từng báo cáo chỉ số này."
)
LATE_VI = (
    "Ghi chú: YouTube Analytics báo cáo chỉ số thời gian xem (giờ) chậm từ 48 giờ trở lên: phần "
    "số liệu YouTube chỉ tính đến khoảng 18/11/2025 10:00."
)


def _scores(engine: Engine) -> dict[str, KpiScore]:
    hand = build_hand(engine)
    with Session(engine) as s:
        # clicks were last captured 15/11 10:00, the other metrics until 20/11 10:00.
        add_kpi(s, hand.campaign_id, "clicks", "clicks", 100)
        add_kpi(s, hand.campaign_id, "watch", "watch_time_hours", 100)
        s.commit()
        return {x.kpi: x for x in scorecard(s, "hand", local(20, 11, 12), on_time_minutes=5)}


def test_a_vietnamese_reason_words_the_engines_notes_in_vietnamese(sqlite_engine: Engine) -> None:
    by = _scores(sqlite_engine)
    clicks, watch = reason_text(by["clicks"], "vi"), reason_text(by["watch"], "vi")
    assert clicks.endswith(RETIRED_VI)
    assert watch.endswith(LATE_VI)
    for said in (clicks, watch):
        assert "Note:" not in said
        assert "reported" not in said
        assert "hours late" not in said
    # English keeps the engine's own words.
    assert reason_text(by["clicks"], "en") == by["clicks"].reason
    assert "Note: clicks has not been reported since 15/11/2025 10:00" in by["clicks"].reason


def test_a_note_joining_both_is_worded_part_by_part(sqlite_engine: Engine) -> None:
    """A retired metric whose figure also includes late YouTube numbers: one note, two parts."""
    by = _scores(sqlite_engine)
    late = by["watch"].reason.split(" Note: ")[1]
    both = by["clicks"].reason.removesuffix(".") + "; " + late
    said = reason_text(replace(by["clicks"], reason=both), "vi")
    assert said.endswith(RETIRED_VI.removesuffix(".") + "; " + LATE_VI.removeprefix("Ghi chú: "))
    assert "Note:" not in said
