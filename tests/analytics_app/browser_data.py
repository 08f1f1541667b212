"""Demo data for the browser test and the README's screenshots: a small national campaign
(`bench.national`) with the Action Month's real objective and unit names, titled posts, one
post whose title is markup, an open alert, a draft waiting for approval first thing on the
campaign's first day, and a manager who signs in with a password."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from analytics_app.engine.ranking import AGES, rank_at_age
from bench.national import generate
from campaigns.accounts import hash_password
from campaigns.db import upgrade
from campaigns.metrics_store import AudienceRow, record_audience
from campaigns.models import (
    Alert,
    Campaign,
    Channel,
    ContentItem,
    Objective,
    Publication,
    PublicationState,
    Unit,
    User,
)

AUDIENCE = (  # (gender, age group, share of views) of a YouTube channel
    ("female", "13-17", 0.06),
    ("female", "18-24", 0.19),
    ("female", "25-34", 0.16),
    ("female", "35-44", 0.08),
    ("female", "45-54", 0.04),
    ("male", "13-17", 0.05),
    ("male", "18-24", 0.17),
    ("male", "25-34", 0.14),
    ("male", "35-44", 0.07),
    ("male", "45-54", 0.04),
)
MANAGER, PASSWORD = "minh", "một mật khẩu dài cho trình duyệt"
XSS = "<img src=x onerror=alert(1)>"
FAR = datetime(2026, 6, 1, tzinfo=UTC)
DRAFT_TITLE = "Bản nháp chờ duyệt: Tháng hành động 2025"
OBJECTIVES = {
    "O1": (
        "Tăng cường phối hợp giữa các bộ, ngành, địa phương",
        "Coordination among ministries, sectors and localities",
    ),
    "O2": (
        "Nâng cao nhận thức về bình đẳng giới và an toàn trên không gian mạng",
        "Awareness of gender equality and safety online",
    ),
    "O3": (
        "Lan tỏa thông điệp tới thanh niên và cộng đồng",
        "Reach young people and communities",
    ),
}
UNITS = (
    "Bộ Nội vụ",
    "Ủy ban Quốc gia vì sự tiến bộ của phụ nữ",
    "Bộ Giáo dục và Đào tạo",
    "Hội Liên hiệp Phụ nữ Việt Nam",
    "Thành phố Hà Nội",
    "Thành phố Hồ Chí Minh",
    "Thành phố Hải Phòng",
    "Tỉnh Nghệ An",
)
TITLES = (
    "Chung tay chấm dứt bạo lực trên cơ sở giới",
    "An toàn cho trẻ em gái trên không gian mạng",
    "Bình đẳng giới bắt đầu từ gia đình",
    "Ngày Quốc tế xóa bỏ bạo lực đối với phụ nữ 25/11",
    "Đường dây nóng 111: gọi ngay khi cần giúp đỡ",
    "Thanh niên nói không với bạo lực",
)


def build(engine: Engine, scale: float = 0.1) -> None:
    upgrade(engine)
    info = generate(engine, scale, 1)
    with Session(engine) as s:
        for objective in s.exec(select(Objective)).all():
            objective.title, objective.title_en = OBJECTIVES[objective.key]
        for n, unit in enumerate(s.exec(select(Unit).order_by(Unit.key)).all()):
            unit.name = UNITS[n % len(UNITS)]
        items = s.exec(select(ContentItem).order_by(ContentItem.id)).all()  # type: ignore[arg-type]
        for item in items:
            item.title = TITLES[(item.id or 0) % len(TITLES)] + f" #{item.id}"
        s.flush()
        # The best post at 24 h carries markup in its title: it must show as characters.
        best = rank_at_age(s, info.campaign_key, "reach", AGES["24h"], FAR, limit=1).items[0]
        s.execute(update(ContentItem).where(ContentItem.key == best.content).values(title=XSS))  # type: ignore[arg-type]
        failed = s.exec(
            select(Publication).where(Publication.state == PublicationState.FAILED)
        ).first()
        if failed is not None:
            s.add(
                Alert(
                    campaign_id=info.campaign_id,
                    kind="failed",
                    severity="critical",
                    publication_id=failed.id,
                    channel_id=failed.channel_id,
                    message=f"Publication {failed.id} failed: the Page token was revoked",
                    dedupe_key=f"demo|failed|{failed.id}",
                )
            )
        _draft(s, failed.id if failed is not None else None)
        # YouTube Analytics' viewers by gender and age, on every YouTube channel.
        youtube = s.exec(select(Channel).where(Channel.platform == "youtube")).all()
        at = datetime(2025, 11, 30, 12, tzinfo=UTC)
        record_audience(
            s,
            [
                AudienceRow(ch.id or 0, gender, f"age{age}", share * (1 + 0.1 * (n % 3)), at)
                for n, ch in enumerate(youtube)
                for gender, age, share in AUDIENCE
            ],
        )
        s.add(
            User(
                username=MANAGER,
                display_name="Nguyễn Văn Minh",
                role="manager",
                password_hash=hash_password(PASSWORD),
            )
        )
        s.commit()


def _draft(s: Session, keep: int | None) -> None:
    """One publication that did not go out becomes a draft at 05:00 on the campaign's first
    day (the first event of the calendar's first month), titled so it can be found."""
    campaign = s.exec(select(Campaign)).one()
    at = datetime.combine(campaign.starts, time(5), tzinfo=ZoneInfo(campaign.timezone))
    for state in (PublicationState.MISSED, PublicationState.NEEDS_REVIEW, PublicationState.FAILED):
        found = s.exec(
            select(Publication).where(Publication.state == state, Publication.id != keep)
        ).first()
        if found is not None:
            break
    else:
        raise RuntimeError("the demo data has no publication that did not go out")
    found.state = PublicationState.DRAFT
    found.slot_at = found.scheduled_at = at.astimezone(UTC)
    found.last_error, found.last_error_code = "", ""
    found.approved_by, found.approved_at, found.next_attempt_at = "", None, None
    content = s.get(ContentItem, found.content_id)
    assert content is not None
    content.title = DRAFT_TITLE
    s.add_all([found, content])
