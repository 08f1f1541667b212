"""Metric collection against the platform emulator, through the real connectors and the vault.

Posts and a clip are published on the emulator with the real Facebook and YouTube connectors;
the frozen clock is then moved along the decaying schedule and `pull_metrics` measures them.
What Loa stored is checked against the emulator's own numbers for the same objects, read with
the unmodified client libraries (facebook-sdk, google-api-python-client) at the same clock time.
"""

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from campaigns.models import (
    Campaign,
    Channel,
    ContentItem,
    MeasurementPlan,
    MetricDelta,
    MetricLatest,
    MetricSnapshot,
    Publication,
    PublicationState,
    QuotaUsage,
    Unit,
)
from campaigns.settings import Settings, get_settings
from connectors.base import ContentKind, Credentials, PublishRequest, Secret
from connectors.emulator import Emulator, FrozenClock
from connectors.registry import build
from scheduler.credentials import store_credentials, vault_for
from scheduler.metrics_jobs import pull_metrics
from tests.connectors.emulator import clients

# 08:00 in Ha Noi on the campaign's first day.
PUBLISH_AT = datetime.fromisoformat("2025-11-15T08:00:00+07:00")
FB_POSTS = 3  # on each of two Pages
FB_MEASURES = ("reach", "views", "reactions", "comments", "shares", "clicks")
YT_MEASURES = ("views", "video_views", "reactions", "comments", "watch_time_hours")


@dataclass(frozen=True)
class Published:
    publication_id: int
    platform: str
    account: str
    external_id: str


@pytest.fixture
def settings(
    frozen_emulator: Emulator, loa_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Loa's settings pointed at the emulator, as `emulator.env` would set them."""
    for name, value in frozen_emulator.env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _frozen(emu: Emulator) -> FrozenClock:
    assert isinstance(emu.clock, FrozenClock)
    return emu.clock


def _clip(folder: Path) -> Path:
    path = folder / "clip.mp4"
    # An `ftyp` box and padding: what the emulator's upload checks for an MP4.
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4096))
    return path


def _publish_on_emulator(
    engine: Engine, emu: Emulator, settings: Settings, folder: Path
) -> list[Published]:
    """Connect two Pages and a channel, publish through the real connectors, record the rows."""
    # These sums compare fresh values: no Analytics delay here (it has tests of its own).
    emu.platform.update({"analytics_delay_hours": 0.0})
    _frozen(emu).set(PUBLISH_AT)
    pages = [p["id"] for p in emu.accounts["facebook_pages"][:2]]
    channel_doc = emu.accounts["youtube_channels"][0]
    config = emu.connector_config()
    clip = _clip(folder)
    out: list[Published] = []
    with Session(engine) as s:
        vault = vault_for(settings)
        camp = Campaign(
            key="am-2025",
            name="Tháng hành động",
            starts=date(2025, 11, 15),
            ends=date(2025, 12, 15),
        )
        s.add(camp)
        s.flush()
        assert camp.id is not None
        unit = Unit(campaign_id=camp.id, key="ncfaw", name="NCFAW", kind="committee")
        s.add(unit)
        s.flush()
        accounts: list[tuple[str, str, str]] = [("facebook", p, "") for p in pages]
        doc = channel_doc["credentials"]
        accounts.append(
            ("youtube", channel_doc["id"], doc if isinstance(doc, str) else json.dumps(doc))
        )
        tokens = {p["id"]: p["access_token"] for p in emu.accounts["facebook_pages"]}
        for n, (platform, account, google_doc) in enumerate(accounts):
            secret = tokens[account] if platform == "facebook" else google_doc
            store_credentials(s, platform, account, secret, vault=vault)
            chan = Channel(
                campaign_id=camp.id,
                key=f"{platform}-{n}",
                platform=platform,
                external_id=account,
                name=account,
                unit_id=unit.id,
            )
            s.add(chan)
            s.flush()
            assert chan.id is not None
            connector = build(platform, config, clock=emu.clock.now)
            creds = Credentials(platform, account, Secret(secret))
            for i in range(FB_POSTS if platform == "facebook" else 1):
                key = f"{platform}-{n}-{i}"
                text = f"Chung tay vì bình đẳng giới #{key.replace('-', '')}"
                if platform == "facebook":
                    request = PublishRequest(ContentKind.POST, account, message=text)
                else:
                    request = PublishRequest(
                        ContentKind.CLIP,
                        account,
                        message=text,
                        title=f"Bình đẳng giới {key}",
                        media_path=clip,
                    )
                result = connector.publish(creds, request)
                assert result.published_at is not None
                item = ContentItem(
                    campaign_id=camp.id,
                    key=key,
                    kind="post" if platform == "facebook" else "clip",
                    message=text,
                )
                s.add(item)
                s.flush()
                assert item.id is not None
                pub = Publication(
                    campaign_id=camp.id,
                    content_id=item.id,
                    channel_id=chan.id,
                    dedupe_key=f"am-2025|{key}",
                    slot_at=PUBLISH_AT,
                    scheduled_at=PUBLISH_AT,
                    state=PublicationState.PUBLISHED,
                    external_id=result.external_id,
                    published_at=result.published_at,
                )
                s.add(pub)
                s.flush()
                assert pub.id is not None
                out.append(Published(pub.id, platform, account, result.external_id))
        s.commit()
    return out


def _raw_facebook(
    emu: Emulator, token: str, post_id: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, float]:
    """A post's lifetime numbers as Graph reports them, in the vocabulary's terms.

    Names as documented for Graph v23 Page post insights (post_total_media_view_unique for
    reach, post_media_view for views since the Nov 2025 retirement of post_impressions).
    """
    api = clients.graph(emu, token, monkeypatch)
    names = {
        "post_total_media_view_unique": "reach",
        "post_media_view": "views",
        "post_reactions_by_type_total": "reactions",
        "post_clicks": "clicks",
    }
    insights = api.get_object(f"{post_id}/insights", metric=",".join(names), period="lifetime")
    out: dict[str, float] = {}
    for item in insights["data"]:
        value = item["values"][-1]["value"]
        out[names[item["name"]]] = float(sum(value.values()) if isinstance(value, dict) else value)
    node = api.get_object(post_id, fields="comments.limit(0).summary(true),shares")
    out["comments"] = float(node["comments"]["summary"]["total_count"])
    out["shares"] = float(node.get("shares", {}).get("count", 0))
    return out


def _raw_youtube(emu: Emulator, video_id: str) -> dict[str, float]:
    answer = clients.youtube(emu).videos().list(part="snippet,statistics", id=video_id).execute()
    stats = answer["items"][0]["statistics"]
    published = answer["items"][0]["snippet"]["publishedAt"][:10]
    views = float(stats["viewCount"])
    # Watch time exists only in YouTube Analytics: summed per video since publication.
    report = (
        clients.analytics(emu)
        .reports()
        .query(
            ids="channel==MINE",
            startDate=published,
            endDate=emu.clock.now().date().isoformat(),
            metrics="estimatedMinutesWatched,engagedViews",
            dimensions="video",
            filters=f"video=={video_id}",
        )
        .execute()
    )
    minutes = sum(float(row[1]) for row in report.get("rows", []))
    engaged = sum(float(row[2]) for row in report.get("rows", []))
    return {
        "views": views,
        "video_views": engaged,  # the pre-2026-08-27 view, from Analytics
        "reactions": float(stats["likeCount"]),
        "comments": float(stats["commentCount"]),
        "watch_time_hours": minutes / 60,
    }


def _emulator_sums(
    emu: Emulator, published: list[Published], monkeypatch: pytest.MonkeyPatch
) -> dict[str, float]:
    tokens = {p["id"]: p["access_token"] for p in emu.accounts["facebook_pages"]}
    sums: dict[str, float] = defaultdict(float)
    for p in published:
        if p.platform == "facebook":
            raw = _raw_facebook(emu, tokens[p.account], p.external_id, monkeypatch)
        else:
            raw = _raw_youtube(emu, p.external_id)
        for metric, value in raw.items():
            sums[metric] += value
    return dict(sums)


def _loa_sums(engine: Engine, published: list[Published]) -> dict[str, float]:
    ids = [p.publication_id for p in published]
    with Session(engine) as s:
        rows = s.exec(
            select(MetricLatest.metric, func.sum(MetricLatest.value))
            .where(MetricLatest.publication_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(MetricLatest.metric)
        ).all()
    return {metric: float(total) for metric, total in rows}


def _captures(engine: Engine) -> dict[int, set[datetime]]:
    with Session(engine) as s:
        out: dict[int, set[datetime]] = defaultdict(set)
        for pid, at in s.exec(select(MetricSnapshot.publication_id, MetricSnapshot.captured_at)):
            out[pid].add(at)
        return dict(out)


def test_published_items_gain_snapshots_on_schedule_and_sums_match_the_emulator(
    any_engine: Engine,
    frozen_emulator: Emulator,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = frozen_emulator
    published = _publish_on_emulator(any_engine, emu, settings, tmp_path)
    assert [p.platform for p in published].count("youtube") == 1
    pids = {p.publication_id for p in published}

    expected_captures: set[datetime] = set()
    for offset, due in [
        (timedelta(minutes=30), False),
        (timedelta(hours=1, minutes=5), True),
        (timedelta(hours=2), False),
        (timedelta(hours=3, minutes=5), True),
        (timedelta(hours=6, minutes=5), True),
    ]:
        _frozen(emu).set(PUBLISH_AT + offset)
        report = pull_metrics(any_engine, settings, emu.clock)
        assert report.skipped == {}, report.skipped
        assert report.missing == []
        assert report.items_measured == (len(published) if due else 0), offset
        if due:
            expected_captures.add(emu.clock.now())
        # Every item has a snapshot at each point passed so far, and at nothing else.
        captures = _captures(any_engine)
        assert {pid: captures.get(pid, set()) for pid in pids} == {
            pid: expected_captures for pid in pids
        }

        # What Loa keeps as the latest value equals what the platform reports right now.
        if due:
            loa = _loa_sums(any_engine, published)
            raw = _emulator_sums(emu, published, monkeypatch)
            assert set(loa) == set(FB_MEASURES) | set(YT_MEASURES)
            assert loa == pytest.approx(raw), offset

    # Audience grew between +1 h and +6 h, and the daily rollup sums to the latest values.
    assert loa["reach"] > 0
    assert loa["views"] > 0
    with Session(any_engine) as s:
        first = s.exec(
            select(func.sum(MetricSnapshot.value)).where(
                MetricSnapshot.metric == "reach",
                MetricSnapshot.captured_at == PUBLISH_AT + timedelta(hours=1, minutes=5),
            )
        ).one()
        assert loa["reach"] > float(first or 0)
        for metric, total in loa.items():
            deltas = s.exec(
                select(func.sum(MetricDelta.delta)).where(MetricDelta.metric == metric)
            ).one()
            assert float(deltas or 0) == pytest.approx(total), metric
        plans = s.exec(select(MeasurementPlan)).all()
        assert {p.pulls for p in plans} == {3}
        published_at: dict[int | None, datetime] = {
            p.id: p.published_at for p in s.exec(select(Publication)) if p.published_at is not None
        }
        assert all(
            plan.next_due_at == published_at[plan.publication_id] + timedelta(hours=24)
            for plan in plans
        )
        # The YouTube pulls were charged to the shared ledger (videos.list: 1 unit a call).
        spent = s.exec(select(func.sum(QuotaUsage.used))).one()
        assert spent is not None
        assert spent >= 3


def loa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def test_cli_backfill_against_the_emulator(
    sqlite_engine: Engine,
    frozen_emulator: Emulator,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = frozen_emulator
    published = _publish_on_emulator(sqlite_engine, emu, settings, tmp_path)
    _frozen(emu).set(PUBLISH_AT + timedelta(hours=5))
    monkeypatch.setenv("LOA_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    result = loa("metrics", "pull", "--since", "2025-11-15", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{len(published)} items measured of {len(published)} published" in result.stdout
    assert "Traceback" not in result.stderr
    # Nothing published since the next day: nothing measured again.
    later = loa("metrics", "pull", "--since", "2025-11-16", "--campaign", "am-2025", cwd=tmp_path)
    assert later.returncode == 0, later.stderr
    assert "0 items measured of 0 published" in later.stdout
    assert _loa_sums(sqlite_engine, published) == pytest.approx(
        _emulator_sums(emu, published, monkeypatch)
    )
