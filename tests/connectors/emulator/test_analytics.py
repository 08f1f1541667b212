"""YouTube Analytics reports agree with videos.list, and numbers repeat for a seed."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from googleapiclient.http import MediaInMemoryUpload

from connectors.emulator import Emulator, FrozenClock
from tests.connectors.emulator.clients import analytics, youtube


def _publish(emu: Emulator, title: str) -> str:
    media = MediaInMemoryUpload(os.urandom(2000), mimetype="video/mp4", resumable=True)
    body = {"snippet": {"title": title}, "status": {"privacyStatus": "public"}}
    return (
        youtube(emu)
        .videos()
        .insert(part="snippet,status", body=body, media_body=media)
        .execute()["id"]
    )


def test_daily_rows_sum_to_lifetime_views(frozen_emulator: Emulator) -> None:
    emu = frozen_emulator
    video = _publish(emu, "Clip #women")
    emu.clock.advance(timedelta(days=5, hours=7))  # type: ignore[attr-defined]
    # At the end of the last reported day the sum equals the lifetime value then; Analytics
    # report it 48 hours later (the emulator's default delay).
    emu.clock.set(emu.clock.now().replace(hour=0, minute=0))  # type: ignore[attr-defined]
    stats = youtube(emu).videos().list(part="statistics", id=video).execute()["items"][0]
    emu.clock.advance(timedelta(hours=48))  # type: ignore[attr-defined]
    report = (
        analytics(emu)
        .reports()
        .query(
            ids="channel==MINE",
            startDate="2025-11-14",
            endDate="2025-11-30",
            metrics="views,estimatedMinutesWatched,averageViewDuration,likes,subscribersGained",
            dimensions="day",
            filters=f"video=={video}",
            sort="day",
        )
        .execute()
    )
    assert report["kind"] == "youtubeAnalytics#resultTable"
    assert [h["name"] for h in report["columnHeaders"]][:2] == ["day", "views"]
    assert report["columnHeaders"][0]["columnType"] == "DIMENSION"
    days = [r[0] for r in report["rows"]]
    assert days == sorted(days)
    assert sum(r[1] for r in report["rows"]) == int(stats["statistics"]["viewCount"]) > 0
    demo = (
        analytics(emu)
        .reports()
        .query(
            ids="channel==MINE",
            startDate="2025-11-14",
            endDate="2025-11-30",
            metrics="viewerPercentage",
            dimensions="ageGroup,gender",
        )
        .execute()
    )
    shares = {(a, g): p for a, g, p in demo["rows"]}
    assert abs(sum(shares.values()) - 100) < 1
    female = sum(p for (_, g), p in shares.items() if g == "female")
    assert 54 <= female <= 66


def test_same_seed_same_numbers(tmp_path: Path) -> None:
    def run(seed: int, where: str) -> list[int]:
        clock = FrozenClock(datetime(2025, 11, 15, 12, tzinfo=UTC))
        with Emulator(tmp_path / where, seed=seed, pages=1, channels=1, clock=clock) as emu:
            video = _publish(emu, "Clip")
            clock.advance(timedelta(days=2))
            yt = youtube(emu)
            stats = yt.videos().list(part="statistics", id=video).execute()["items"][0]
            return [int(v) for v in stats["statistics"].values()]

    assert run(5, "a") == run(5, "b")
    assert run(5, "a2") != run(6, "c")
