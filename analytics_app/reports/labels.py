"""The reports' words, Vietnamese first, English on request (`--lang en`)."""

from campaigns.errors import UserError
from campaigns.vocabulary import TERMS

LANGS = ("vi", "en")

_WORDS: dict[str, tuple[str, str]] = {
    "weekly_title": ("Báo cáo tuần", "Weekly report"),
    "final_title": ("Báo cáo tổng kết", "Final report"),
    "campaign": ("Chiến dịch", "Campaign"),
    "scope": ("Phạm vi", "Scope"),
    "all_units": ("Toàn quốc (mọi đơn vị)", "National (every unit)"),
    "period": ("Kỳ báo cáo", "Period"),
    "as_of": ("Số liệu tính đến", "As of"),
    "generated": ("Lập lúc", "Generated"),
    "week_in_progress": ("tuần chưa kết thúc", "week still running"),
    "summary": ("Tổng hợp theo mục tiêu", "Summary against objectives"),
    "objective": ("Mục tiêu", "Objective"),
    "objective_title": ("Tên mục tiêu", "Objective title"),
    "kpi": ("Chỉ tiêu", "KPI"),
    "kpi_title": ("Tên chỉ tiêu", "KPI title"),
    "metric": ("Chỉ số", "Metric"),
    "target": ("Mục tiêu số", "Target"),
    "actual": ("Thực hiện", "Actual"),
    "percent": ("% mục tiêu", "% of target"),
    "expected": ("Kỳ vọng đến nay", "Expected by now"),
    "projection": ("Dự báo cuối kỳ", "Projection"),
    "status": ("Tình trạng", "Status"),
    "reason": ("Lý do", "Reason"),
    "previous": ("Tuần trước", "Previous week"),
    "change": ("Thay đổi so với tuần trước", "Week-on-week change"),
    "data_as_of": ("Lần đo gần nhất", "Newest capture"),
    "items": ("Bài viết và clip (cùng độ tuổi)", "Posts and clips (at equal age)"),
    "content": ("Nội dung", "Content"),
    "channel": ("Kênh", "Channel"),
    "platform": ("Nền tảng", "Platform"),
    "kind": ("Loại", "Kind"),
    "published_at": ("Đăng lúc", "Published"),
    "this_week": ("Trong tuần", "This week"),
    "channels": ("Kênh", "Channels"),
    "unit": ("Đơn vị", "Unit"),
    "unit_name": ("Tên đơn vị", "Unit name"),
    "units": ("Đơn vị", "Units"),
    "audience": ("Đối tượng", "Audience"),
    "audiences": ("Đối tượng", "Audience"),
    "female_share": ("Tỷ lệ người xem nữ", "Female viewer share"),
    "youth_share": ("Tỷ lệ người xem 13-24", "Youth viewer share"),
    "captured_at": ("Đo lúc", "Captured"),
    "execution": ("Thực hiện kế hoạch đăng", "Execution"),
    "measure": ("Nội dung đo", "Measure"),
    "to_date": ("Lũy kế từ đầu chiến dịch", "Campaign to date"),
    "planned": ("Kế hoạch", "Planned"),
    "due": ("Đến hạn", "Due"),
    "on_time": ("Đăng đúng giờ", "Published on time"),
    "late": ("Đăng muộn", "Published late"),
    "failed": ("Lỗi", "Failed"),
    "missed": ("Bỏ lỡ", "Missed"),
    "needs_review": ("Cần kiểm tra", "Needs review"),
    "pending": ("Đang chờ", "Pending"),
    "published": ("Đã đăng", "Published"),
    "posts_published": ("Bài viết đã đăng", "Posts published"),
    "clips_published": ("Clip đã đăng", "Clips published"),
    "key_date_activities": ("Hoạt động ngày trọng điểm", "Key-date activities"),
    "activities": ("Hoạt động theo loại", "Activities by kind"),
    "activity": ("Hoạt động", "Activity"),
    "count": ("Số lượng", "Count"),
    "daily": ("Tăng trưởng theo ngày", "Growth per day"),
    "day": ("Ngày", "Day"),
    "definitions": ("Định nghĩa chỉ số", "Metric definitions"),
    "label": ("Tên", "Label"),
    "definition": ("Định nghĩa", "Definition"),
    "aggregation": ("Cách cộng gộp", "Aggregation"),
    "sources": ("Tên chỉ số trên nền tảng", "Platform source names"),
    "used_by": ("Dùng cho chỉ tiêu", "Used by KPIs"),
    "notes": ("Ghi chú bất thường", "Anomaly notes"),
    "notices": ("Lưu ý về số liệu", "About these figures"),
    "top": ("Nổi bật nhất", "Top items"),
    "bottom": ("Thấp nhất", "Bottom items"),
    "top_content": ("Nội dung nổi bật", "Top content"),
    "narrative": ("Tóm tắt", "Summary in words"),
    "issues": ("Lỗi và lượt bỏ lỡ trong tuần", "Failures and missed slots this week"),
    "scheduled_at": ("Giờ dự kiến", "Planned time"),
    "state": ("Trạng thái", "State"),
    "error": ("Lỗi gần nhất", "Last error"),
    "no_data": ("không có dữ liệu", "no data"),
    "no_channel": ("chưa có kênh", "no channel"),
    "unit_targets": (
        "Mục tiêu của đơn vị là phần của đơn vị trong mục tiêu chung, theo số bài đơn vị đã lên "
        "kế hoạch; các tỷ lệ giữ nguyên mục tiêu chung.",
        "The unit's targets are its part of the campaign's, by the publications it planned; "
        "rates keep the campaign's target.",
    ),
    "no_new_data": ("không có số đo mới trong tuần", "no new measurement this week"),
    "not_measured": ("chưa đo đến độ tuổi này", "not measured at this age"),
    "silent": ("im lặng", "silent"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
    "reach": ("Lượt tiếp cận", "Reach"),
    "views": ("Lượt xem", "Views"),
    "engagements": ("Tương tác", "Engagements"),
    "gained": ("tăng trong tuần", "gained this week"),
    "on_track": ("đúng tiến độ", "on track"),
    "at_risk": ("có nguy cơ", "at risk"),
    "behind": ("chậm tiến độ", "behind"),
    "results": ("Kết quả theo mục tiêu", "Results per objective"),
    "roll_up": ("Tổng hợp theo đơn vị", "Per unit (national roll-up)"),
    "chart_no_data": ("Không có dữ liệu trong kỳ", "No data in this period"),
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UserError(f"--lang {lang!r}: choose vi or en")
    return lang


def word(key: str, lang: str) -> str:
    vi, en = _WORDS[key]
    return vi if lang == "vi" else en


def metric_label(metric: str, lang: str) -> str:
    term = TERMS.get(metric)
    if term is None:
        return metric
    return term.label_vi if lang == "vi" else term.label_en


def status_label(status: str, lang: str) -> str:
    return word(status, lang) if status in _WORDS else status
