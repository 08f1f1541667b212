"""The Facebook connector end to end: the unmodified facebook-sdk against a running emulator."""

from datetime import timedelta
from pathlib import Path

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
from connectors.facebook import FacebookConnector
from connectors.metric_map import METRICS, MetricSpec


@pytest.fixture
def page(frozen_emulator: Emulator) -> dict[str, str]:
    return dict(frozen_emulator.accounts["facebook_pages"][0])


def connector(emu: Emulator, **kw: object) -> FacebookConnector:
    return FacebookConnector(emu.connector_config(), clock=emu.clock.now, **kw)  # type: ignore[arg-type]


def creds(page: dict[str, str]) -> Credentials:
    return Credentials("facebook", page["id"], Secret(page["access_token"]))


def objects(emu: Emulator) -> list[dict[str, object]]:
    return [o for o in emu.objects() if o.get("platform", "facebook") == "facebook"]


def test_post_photo_and_video_with_progress(
    frozen_emulator: Emulator, page: dict[str, str], tmp_path: Path
) -> None:
    fb = connector(frozen_emulator)
    c = creds(page)
    post = fb.publish(
        c,
        PublishRequest(
            ContentKind.LINK, page["id"], message="Cha mẹ đồng hành", link="https://example.org/a"
        ),
    )
    photo_file = tmp_path / "banner.png"
    photo_file.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 5000)
    photo = fb.publish(
        c, PublishRequest(ContentKind.PHOTO, page["id"], message="Phát động", media_path=photo_file)
    )
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0" * 2_500_000)
    seen: list[int] = []
    video = fb.publish(
        c,
        PublishRequest(
            ContentKind.CLIP,
            page["id"],
            message="Mô tả clip",
            title="An toàn trên mạng",
            media_path=clip,
        ),
        progress=lambda done, total: seen.append(done),
    )
    assert seen[0] == 0
    assert seen[-1] == 2_500_000
    assert len(seen) >= 3  # several chunks, reported one by one
    texts = {
        str(o.get("text") or o.get("message") or o.get("title")) for o in objects(frozen_emulator)
    }
    assert "Cha mẹ đồng hành" in texts
    assert "Phát động" in texts
    for result in (post, photo, video):
        found = fb.status(c, result.external_id)
        assert found is not None
        assert found.published_at is not None


def test_native_schedule_then_cancel(frozen_emulator: Emulator, page: dict[str, str]) -> None:
    fb = connector(frozen_emulator)
    c = creds(page)
    at = frozen_emulator.clock.now() + timedelta(hours=3)
    result = fb.publish(
        c, PublishRequest(ContentKind.POST, page["id"], message="Hẹn giờ", publish_at=at)
    )
    found = fb.status(c, result.external_id)
    assert found is not None
    assert found.published_at is None
    assert found.scheduled_for == at.replace(microsecond=0)
    fb.cancel_scheduled(c, result.external_id)
    assert fb.status(c, result.external_id) is None


def test_reconcile_finds_the_post_a_dropped_connection_hid(
    frozen_emulator: Emulator, page: dict[str, str]
) -> None:
    fb = connector(frozen_emulator)
    c = creds(page)
    start = frozen_emulator.clock.now()
    frozen_emulator.set_faults("drop:publish#1")
    with pytest.raises(UnknownOutcome):
        fb.publish(
            c, PublishRequest(ContentKind.POST, page["id"], message="Bị quấy rối trên mạng?")
        )
    frozen_emulator.set_faults("")
    probe = ReconcileProbe(
        ContentKind.POST,
        page["id"],
        "pub-7",
        "Bị quấy rối trên mạng?",
        "",
        start,
        start + timedelta(minutes=1),
    )
    result = fb.reconcile(c, probe)
    assert result.complete
    assert len(result.found) == 1
    assert result.found[0].matched_on == "text"
    other = ReconcileProbe(
        ContentKind.POST, page["id"], "pub-8", "không có", "", start, start + timedelta(minutes=1)
    )
    assert fb.reconcile(c, other).found == ()


def test_insights_with_a_retired_metric_configured_keep_the_others(
    frozen_emulator: Emulator, page: dict[str, str]
) -> None:
    stale = (
        MetricSpec("facebook", "post", "post_impressions", "video_views"),
    )  # retired 2025-11-15
    table = stale + tuple(m for m in METRICS if m.name != "post_video_views")
    fb = connector(frozen_emulator, metrics=table)
    c = creds(page)
    post = fb.publish(
        c, PublishRequest(ContentKind.POST, page["id"], message="25/11 — Ngày Quốc tế")
    )
    frozen_emulator.clock.advance(timedelta(days=2))
    rows = fb.object_metrics(c, [post.external_id])
    assert len(rows) == 1
    assert rows[0].unavailable == ("post_impressions",)
    assert rows[0].values["views"] > 0
    assert rows[0].values["reach"] > 0
    assert rows[0].values["reach"] <= rows[0].values["views"]
    assert {"reactions", "clicks", "comments", "shares"} <= set(rows[0].values)
    daily = fb.account_daily(
        c,
        (frozen_emulator.clock.now() - timedelta(days=2)).date(),
        frozen_emulator.clock.now().date(),
    )
    assert {d.metric for d in daily} >= {"views", "reach"}
    assert sum(d.value for d in daily if d.metric == "views") > 0


def test_token_health_from_debug_token(frozen_emulator: Emulator, page: dict[str, str]) -> None:
    health = connector(frozen_emulator).check_token(creds(page))
    assert health.valid
    assert health.missing_scopes == ()


def test_reconcile_of_a_clip_finds_one_object_with_the_uploads_id(
    frozen_emulator: Emulator, page: dict[str, str], tmp_path: Path
) -> None:
    # A Page video is both a video and the post that carries it; reconciliation must answer
    # with one object, by the id `publish` returns (the video's), not two look-alikes.
    fb = connector(frozen_emulator)
    c = creds(page)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0" * 3000)
    start = frozen_emulator.clock.now()
    request = PublishRequest(
        ContentKind.CLIP, page["id"], message="Gọi 111.", title="Tổng đài 111", media_path=clip
    )
    published = fb.publish(c, request)
    probe = ReconcileProbe(
        ContentKind.CLIP,
        page["id"],
        "loa-p9",
        "Gọi 111.",
        "Tổng đài 111",
        start,
        start + timedelta(minutes=1),
    )
    result = fb.reconcile(c, probe)
    assert [f.external_id for f in result.found] == [published.external_id]
