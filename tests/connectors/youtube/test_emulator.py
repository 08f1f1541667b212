"""The YouTube connector end to end: google-api-python-client against a running emulator."""

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.base import (
    ContentKind,
    Credentials,
    PublishRequest,
    ReconcileProbe,
    Secret,
    UnknownOutcome,
)
from connectors.emulator import Emulator
from connectors.youtube import YouTubeConnector


@pytest.fixture
def channel(frozen_emulator: Emulator) -> dict[str, object]:
    return dict(frozen_emulator.accounts["youtube_channels"][0])


def connector(emu: Emulator) -> YouTubeConnector:
    return YouTubeConnector(emu.connector_config(), clock=emu.clock.now, chunk_retries=0)


def creds(channel: dict[str, object]) -> Credentials:
    return Credentials("youtube", str(channel["id"]), Secret(json.dumps(channel["credentials"])))


def clip_request(channel: dict[str, object], clip: Path, **fields: Any) -> PublishRequest:
    return PublishRequest(ContentKind.CLIP, str(channel["id"]), media_path=clip, **fields)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\0" * 2_300_000)
    return path


def test_upload_schedule_statistics_and_analytics(
    frozen_emulator: Emulator, channel: dict[str, object], clip: Path
) -> None:
    yt = connector(frozen_emulator)
    c = creds(channel)
    seen: list[int] = []
    now = yt.publish(
        c,
        clip_request(channel, clip, title="An toàn trên mạng", message="Mô tả", marker="pub-1"),
        progress=lambda done, total: seen.append(done),
    )
    assert seen[0] == 0
    assert seen[-1] == 2_300_000
    assert len(seen) >= 3
    at = frozen_emulator.clock.now() + timedelta(days=1)
    later = yt.publish(
        c,
        clip_request(channel, clip, title="Hẹn giờ", publish_at=at, marker="pub-2"),
    )
    scheduled = yt.status(c, later.external_id)
    assert scheduled is not None
    assert scheduled.scheduled_for == at.replace(microsecond=0)
    frozen_emulator.clock.advance(timedelta(days=3))
    stats = yt.object_metrics(c, [now.external_id])
    assert stats[0].values["views"] > 0
    # video_views: engaged views from Analytics (the pre-2026-08-27 view), fewer than views.
    assert 0 < stats[0].values["video_views"] < stats[0].values["views"]
    assert stats[0].sources["video_views"] == "engagedViews"
    day = frozen_emulator.clock.now().date()
    daily = yt.video_daily(c, [now.external_id], day - timedelta(days=3), day)
    assert {d.metric for d in daily} >= {"views", "watch_time_hours", "followers_gained"}
    shares = yt.audience(c, day - timedelta(days=3), day)
    assert shares
    assert abs(sum(s.share for s in shares) - 1.0) < 0.02
    assert all(0.0 <= s.share <= 1.0 for s in shares)


def test_cancel_withdraws_a_scheduled_upload(
    frozen_emulator: Emulator, channel: dict[str, object], clip: Path
) -> None:
    yt = connector(frozen_emulator)
    c = creds(channel)
    at = frozen_emulator.clock.now() + timedelta(hours=5)
    result = yt.publish(
        c,
        clip_request(channel, clip, title="t", publish_at=at),
    )
    yt.cancel_scheduled(c, result.external_id)
    assert yt.status(c, result.external_id) is None


def test_reconcile_after_dropped_uploads(
    frozen_emulator: Emulator, channel: dict[str, object], clip: Path
) -> None:
    """A drop on every upload request is an unknown outcome; reconciliation then proves the
    clip absent, while an earlier clip is found by its marker tag."""
    yt = connector(frozen_emulator)
    c = creds(channel)
    start = frozen_emulator.clock.now()
    earlier = yt.publish(
        c,
        clip_request(channel, clip, title="Trước", marker="pub-8"),
    )
    frozen_emulator.set_faults("drop:upload#20")  # httplib2 retries a dropped request once itself
    with pytest.raises(UnknownOutcome):
        yt.publish(
            c,
            clip_request(channel, clip, title="Clip", marker="pub-9"),
        )
    frozen_emulator.set_faults("")
    window = (start, start + timedelta(minutes=1))
    missing = yt.reconcile(
        c, ReconcileProbe(ContentKind.CLIP, str(channel["id"]), "pub-9", "", "Clip", *window)
    )
    assert missing.complete
    assert missing.found == ()
    found = yt.reconcile(
        c, ReconcileProbe(ContentKind.CLIP, str(channel["id"]), "pub-8", "", "", *window)
    )
    assert [(f.external_id, f.matched_on) for f in found.found] == [(earlier.external_id, "marker")]


def test_a_clip_joins_its_playlist_once_when_an_answer_is_dropped(
    frozen_emulator: Emulator, channel: dict[str, object], clip: Path
) -> None:
    """httplib2 sends a request again by itself when the connection drops before the answer:
    an insert the platform took is then taken twice. The connector removes the repeat."""
    emu = frozen_emulator
    yt = connector(emu)
    c = creds(channel)
    playlist = str(channel["playlists"][0])  # type: ignore[index]
    clients = yt.clients(c)

    def entries(video_id: str) -> int:
        items = clients.youtube.playlistItems().list(
            part="id", playlistId=playlist, videoId=video_id
        )
        return len(items.execute()["items"])

    # The premise: one dropped answer, and the bare client's one insert lands twice.
    bare = yt.publish(c, clip_request(channel, clip, title="A"))
    emu.set_faults("drop:publish#1")
    clients.youtube.playlistItems().insert(
        part="snippet",
        body={"snippet": {"playlistId": playlist, "resourceId": {"videoId": bare.external_id}}},
    ).execute()
    assert entries(bare.external_id) == 2

    def drop_the_next_answer(done: int, total: int) -> None:
        if done == total:  # the upload is complete; the playlist insert comes next
            emu.set_faults("drop:publish#1")

    result = yt.publish(
        c,
        clip_request(channel, clip, title="B", playlist_id=playlist, marker="pub-11"),
        progress=drop_the_next_answer,
    )
    assert emu.faults.describe() == ""  # the drop was spent on the playlist insert
    assert entries(result.external_id) == 1


def test_an_adopted_clip_is_finished_once(
    frozen_emulator: Emulator, channel: dict[str, object], clip: Path, tmp_path: Path
) -> None:
    """A clip found by reconciliation missed the steps after its upload: `complete` adds it to
    its playlist and sets its thumbnail, and finds it already there the second time."""
    emu = frozen_emulator
    yt = connector(emu)
    c = creds(channel)
    playlist = str(channel["playlists"][0])  # type: ignore[index]
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    request = clip_request(
        channel, clip, title="Clip", playlist_id=playlist, thumbnail_path=thumb, marker="pub-12"
    )
    bare = replace(request, playlist_id="", thumbnail_path=None)
    video_id = yt.publish(c, bare).external_id  # as if its answer, and what follows, were lost
    youtube = yt.clients(c).youtube

    def entries() -> int:
        listed = youtube.playlistItems().list(part="id", playlistId=playlist, videoId=video_id)
        return len(listed.execute()["items"])

    assert entries() == 0
    assert not emu.state.yt_videos[video_id].thumbnail
    yt.complete(c, request, video_id)
    assert entries() == 1
    assert emu.state.yt_videos[video_id].thumbnail
    units = emu.quota.units
    yt.complete(c, request, video_id)
    # Found in place: one list (1 unit) and the thumbnail again (50); no insert (50).
    assert emu.quota.units - units == 1 + 50
    assert entries() == 1
