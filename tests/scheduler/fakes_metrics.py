"""Test doubles for metric collection: a small published campaign and a scripted MetricsSource."""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from campaigns.models import (
    Campaign,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
    Unit,
)
from connectors.base import (
    AudienceShare,
    Credentials,
    DailyMetric,
    MetricsSource,
    ObjectMetrics,
)

START = datetime(2025, 11, 15, 1, 0, tzinfo=UTC)  # 08:00 in Ha Noi on the first day


def seed_campaign(
    session: Session,
    *,
    platforms: Sequence[str] = ("facebook", "youtube"),
    per_channel: int = 2,
    published_at: datetime = START,
    key: str = "action-month-2025",
) -> list[Publication]:
    """A campaign with one channel per platform and `per_channel` published items on each."""
    campaign = Campaign(
        key=key, name="Tháng hành động", starts=date(2025, 11, 15), ends=date(2025, 12, 15)
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    unit = Unit(campaign_id=campaign.id, key="ncfaw", name="NCFAW", kind="committee")
    session.add(unit)
    session.flush()
    pubs: list[Publication] = []
    for n, platform in enumerate(platforms, start=1):
        external = f"10425138{n:07d}" if platform == "facebook" else f"UCvnGenderEquality{n:07d}"
        channel = Channel(
            campaign_id=campaign.id,
            key=f"{platform}-{n}",
            platform=platform,
            external_id=external,
            name=f"{platform} {n}",
            unit_id=unit.id,
        )
        session.add(channel)
        session.flush()
        assert channel.id is not None
        for i in range(per_channel):
            content = ContentItem(
                campaign_id=campaign.id,
                key=f"{platform}-item-{n}-{i}",
                kind="clip" if platform == "youtube" else "post",
                message="Bình đẳng giới",
            )
            session.add(content)
            session.flush()
            assert content.id is not None
            at = published_at + timedelta(minutes=i)
            ext = f"{external}_{i}" if platform == "facebook" else f"vid{n}x{i}"
            pub = Publication(
                campaign_id=campaign.id,
                content_id=content.id,
                channel_id=channel.id,
                dedupe_key=f"{key}|{content.key}|{channel.key}|{i}",
                slot_at=at,
                scheduled_at=at,
                state=PublicationState.PUBLISHED,
                external_id=ext,
                published_at=at,
            )
            session.add(pub)
            pubs.append(pub)
    session.flush()
    return pubs


class FakeMetrics(MetricsSource):
    """Answers with values that grow with the clock; records every call; can be told to fail."""

    def __init__(
        self,
        platform: str,
        now: Callable[[], datetime],
        *,
        unavailable: Sequence[str] = (),
        max_batch: int = 50,
    ) -> None:
        self.platform = platform
        self.now = now
        self.unavailable = tuple(unavailable)
        self.max_batch = max_batch
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.fail_with: Exception | None = None

    def value(self, external_id: str, metric: str, at: datetime) -> float:
        hours = (at - START).total_seconds() / 3600
        return float(int(hours * 10) + len(external_id) + len(metric))

    def metrics_for(self, external_id: str, at: datetime) -> dict[str, float]:
        names = (
            ("reach", "reactions", "comments")
            if self.platform == "facebook"
            else (
                "views",
                "reactions",
                "comments",
            )
        )
        return {m: self.value(external_id, m, at) for m in names if m not in self.unavailable}

    def object_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[ObjectMetrics]:
        assert len(external_ids) <= self.max_batch, "batch larger than the platform allows"
        self.calls.append(("object_metrics", tuple(external_ids)))
        if self.fail_with is not None:
            raise self.fail_with
        at = self.now()
        return [
            ObjectMetrics(
                external_id=e,
                as_of=at,
                values=self.metrics_for(e, at),
                sources={m: f"src_{m}" for m in self.metrics_for(e, at)},
                unavailable=self.unavailable,
            )
            for e in external_ids
        ]

    def account_daily(self, creds: Credentials, since: date, until: date) -> list[DailyMetric]:
        self.calls.append(("account_daily", (since.isoformat(), until.isoformat())))
        if self.fail_with is not None:
            raise self.fail_with
        days = (until - since).days + 1
        return [
            DailyMetric(creds.account_id, since + timedelta(days=d), "followers_gained", 3.0 + d)
            for d in range(days)
        ]

    def audience(self, creds: Credentials, since: date, until: date) -> list[AudienceShare]:
        self.calls.append(("audience", (since.isoformat(), until.isoformat())))
        if self.fail_with is not None:
            raise self.fail_with
        return [
            AudienceShare(creds.account_id, "female", "age18-24", 0.6),
            AudienceShare(creds.account_id, "male", "age18-24", 0.4),
        ]
