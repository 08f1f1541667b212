"""The YouTube connector against the platform as documented and reported at the end of 2026
(issue 15): the daily upload bucket, uploads locked private by an unaudited project, and
Analytics that lag 48 hours and count the older view as `engagedViews`."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.base import (
    ContentKind,
    Credentials,
    PublishRequest,
    QuotaExhausted,
    RateLimited,
    Secret,
)
from connectors.emulator import Emulator, FrozenClock
from connectors.emulator.platform import PlatformSwitches
from connectors.youtube import YouTubeConnector
from connectors.youtube.quota import MemoryQuotaStore, pacific_day

# 10:00 in Ha Noi, 19:00 the day before in California.
NOW = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)


def creds(emu: Emulator) -> Credentials:
    ch = emu.accounts["youtube_channels"][0]
    return Credentials("youtube", ch["id"], Secret(json.dumps(ch["credentials"])))


def request(emu: Emulator, clip: Path, **fields: Any) -> PublishRequest:
    ch = emu.accounts["youtube_channels"][0]
    return PublishRequest(
        ContentKind.CLIP, ch["id"], title="Clip", message="Mô tả", media_path=clip, **fields
    )


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\0" * 300_000)
    return path


# ---- point 1: the upload bucket


def test_an_exhausted_upload_bucket_waits_for_midnight_pacific(tmp_path: Path, clip: Path) -> None:
    clock = FrozenClock(NOW)
    # The platform's bucket is smaller than the connector believes: the 429 must teach it.
    with Emulator(tmp_path / "e", pages=1, channels=1, clock=clock, youtube_daily_uploads=1) as emu:
        store = MemoryQuotaStore()
        yt = YouTubeConnector(emu.connector_config(), store, clock=clock.now, chunk_retries=0)
        yt.publish(creds(emu), request(emu, clip))
        with pytest.raises(QuotaExhausted) as err:
            yt.publish(creds(emu), request(emu, clip, marker="second"))
    assert not isinstance(err.value, RateLimited)
    assert err.value.bucket == "uploads"
    assert err.value.http_status == 429
    assert "Video Uploads per day" in err.value.message
    assert err.value.reset_at == datetime(2025, 11, 20, 8, 0, tzinfo=UTC)  # midnight Pacific
    # Booked as spent, so nothing else is tried today; the units were never touched.
    account = yt.clients(creds(emu)).quota_account
    assert store.used(account, pacific_day(NOW), "uploads") == 100
    assert store.used(account, pacific_day(NOW), "units") == 0


def test_connector_and_emulator_book_an_upload_alike(tmp_path: Path, clip: Path) -> None:
    clock = FrozenClock(NOW)
    with Emulator(tmp_path / "e", pages=1, channels=1, clock=clock) as emu:
        store = MemoryQuotaStore()
        yt = YouTubeConnector(emu.connector_config(), store, clock=clock.now)
        yt.publish(creds(emu), request(emu, clip))
        account = yt.clients(creds(emu)).quota_account
        ours = {b: store.used(account, pacific_day(NOW), b) for b in ("units", "uploads")}
        assert emu.quota.used(clock.now()) == ours == {"units": 0, "uploads": 1}


# ---- point 2: an unaudited project's uploads are locked private


def test_a_clip_locked_private_is_restricted_not_published(tmp_path: Path, clip: Path) -> None:
    clock = FrozenClock(NOW)
    switches = PlatformSwitches(unverified_project=True)
    with Emulator(tmp_path / "e", pages=1, channels=1, clock=clock, platform=switches) as emu:
        yt = YouTubeConnector(emu.connector_config(), clock=clock.now)
        result = yt.publish(creds(emu), request(emu, clip, privacy="public"))
        [video] = emu.objects()
    assert video["privacy"] == "private"
    assert result.external_id == video["id"]
    assert result.published_at is None
    assert "locked" in result.restricted
    assert "audit" in result.restricted
    assert "YouTube Studio" in result.restricted


def test_a_scheduled_clip_that_lost_its_publish_at_is_restricted(
    tmp_path: Path, clip: Path
) -> None:
    clock = FrozenClock(NOW)
    switches = PlatformSwitches(unverified_project=True)
    with Emulator(tmp_path / "e", pages=1, channels=1, clock=clock, platform=switches) as emu:
        yt = YouTubeConnector(emu.connector_config(), clock=clock.now)
        result = yt.publish(creds(emu), request(emu, clip, publish_at=NOW + timedelta(days=1)))
    assert result.scheduled_for is None
    assert "publishAt" in result.restricted


def test_an_audited_project_publishes_as_asked(tmp_path: Path, clip: Path) -> None:
    clock = FrozenClock(NOW)
    with Emulator(tmp_path / "e", pages=1, channels=1, clock=clock) as emu:
        yt = YouTubeConnector(emu.connector_config(), clock=clock.now)
        public = yt.publish(creds(emu), request(emu, clip))
        private = yt.publish(creds(emu), request(emu, clip, privacy="private", marker="p"))
    assert public.restricted == ""
    assert public.published_at == NOW
    assert private.restricted == ""  # asked private, got private


# ---- point 5: Analytics lag 48 hours; engagedViews


def test_analytics_numbers_lag_48_hours_and_engaged_views_feed_video_views(
    tmp_path: Path, clip: Path
) -> None:
    clock = FrozenClock(NOW)
    with Emulator(tmp_path / "e", pages=1, channels=1, clock=clock) as emu:
        yt = YouTubeConnector(emu.connector_config(), clock=clock.now)
        video = yt.publish(creds(emu), request(emu, clip)).external_id
        clock.advance(timedelta(hours=30))
        [early] = yt.object_metrics(creds(emu), [video])
        assert early.values["views"] > 0  # Data API statistics are current
        assert "watch_time_hours" not in early.values  # Analytics has nothing yet
        assert "video_views" not in early.values
        clock.advance(timedelta(days=3))
        [later] = yt.object_metrics(creds(emu), [video])
        daily = yt.video_daily(creds(emu), [video], NOW.date(), clock.now().date())
    assert later.sources["video_views"] == "engagedViews"
    assert 0 < later.values["video_views"] < later.values["views"]
    assert later.values["watch_time_hours"] > 0
    newest = max(d.day for d in daily)
    assert newest == (clock.now() - timedelta(hours=48)).date()  # the latest days are missing
    assert {d.metric for d in daily} >= {"views", "video_views", "watch_time_hours"}
