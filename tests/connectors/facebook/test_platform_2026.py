"""The Facebook connector against the platform as documented at the end of 2026 (issue 15):
Page video through the Resumable Upload API, Reels and their video_insights, Business Use Case
limits on Page tokens, pages_read_user_content for comment counts, and a password-changed token.
"""

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses

from connectors.base import (
    AuthRevoked,
    ConnectorConfig,
    ContentKind,
    Credentials,
    PublishRequest,
    RateLimited,
    ReconcileProbe,
    Secret,
    UnknownOutcome,
)
from connectors.emulator import Emulator
from connectors.facebook import FacebookConnector
from connectors.facebook.connector import REQUIRED_SCOPES
from connectors.facebook.errors import map_graph_error


@pytest.fixture
def page(frozen_emulator: Emulator) -> dict[str, str]:
    return dict(frozen_emulator.accounts["facebook_pages"][0])


def connector(emu: Emulator) -> FacebookConnector:
    return FacebookConnector(emu.connector_config(), clock=emu.clock.now)


def creds(page: dict[str, str]) -> Credentials:
    return Credentials("facebook", page["id"], Secret(page["access_token"]))


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "doc.mp4"
    path.write_bytes(bytes(range(256)) * 9_000)  # 2,304,000 bytes
    return path


# ---- point 4: Page video through the Resumable Upload API, on the Graph host


def test_page_video_goes_through_the_resumable_upload_api(
    frozen_emulator: Emulator, page: dict[str, str], clip: Path
) -> None:
    fb = connector(frozen_emulator)
    seen: list[int] = []
    result = fb.publish(
        creds(page),
        PublishRequest(
            ContentKind.CLIP, page["id"], title="Lên tiếng", message="Mô tả", media_path=clip
        ),
        progress=lambda done, total: seen.append(done),
    )
    assert seen[0] == 0
    assert seen[-1] == clip.stat().st_size
    assert len(seen) >= 3  # streamed, reported as it goes
    [video] = [o for o in frozen_emulator.objects() if o["kind"] == "video"]
    assert video["media_id"] == result.external_id
    assert video["title"] == "Lên tiếng"
    state = frozen_emulator.state
    assert state is not None
    assert state.fb_objects[video["id"]].media_bytes == clip.stat().st_size
    # The file went through an app upload session, not the legacy upload_phase flow.
    assert state.handles == {}  # the handle was used up by the video
    assert not [u for u in state.uploads.values() if u.kind == "fb_video"]


@responses.activate
def test_resumable_upload_resumes_from_the_offset_graph_reports(
    tmp_path: Path,
) -> None:
    base = "https://graph.example.test/"
    v = base + "v26.0/"
    fb = FacebookConnector(
        ConnectorConfig(facebook_graph_url=base, facebook_app_id="4242"),
    )
    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"a" * 1000 + b"b" * 1000)
    responses.post(v + "4242/uploads", json={"id": "upload:S1"})
    responses.post(v + "upload:S1", body=requests.ConnectionError("reset while sending"))
    responses.get(v + "upload:S1", json={"id": "upload:S1", "file_offset": 1000})
    responses.post(v + "upload:S1", json={"h": "4:HANDLE"})
    responses.post(v + "PAGE/videos", json={"id": "9001"})
    result = fb.publish(
        Credentials("facebook", "PAGE", Secret("EAAtoken")),
        PublishRequest(ContentKind.CLIP, "PAGE", title="t", message="m", media_path=clip),
    )
    assert result.external_id == "9001"
    start = parse_qs(str(responses.calls[0].request.body))
    assert start["file_length"] == ["2000"]
    assert start["file_type"] == ["video/mp4"]
    resumed = responses.calls[3].request
    assert resumed.headers["file_offset"] == "1000"
    assert resumed.headers["Authorization"] == "OAuth EAAtoken"
    body = resumed.body.read() if hasattr(resumed.body, "read") else resumed.body
    assert body == b"b" * 1000  # only the rest was sent again
    publish = parse_qs(str(responses.calls[4].request.body))
    assert publish["fbuploader_video_file_chunk"] == ["4:HANDLE"]


# ---- point 4: Reels, and their metrics through /video_insights


def test_a_reel_is_published_through_the_reels_api_and_measured_by_video_insights(
    frozen_emulator: Emulator, page: dict[str, str], clip: Path
) -> None:
    fb = connector(frozen_emulator)
    result = fb.publish(
        creds(page),
        PublishRequest(
            ContentKind.CLIP, page["id"], message="Reel dọc #youth", media_path=clip, reel=True
        ),
    )
    assert result.permalink == f"https://www.facebook.com/reel/{result.external_id}"
    [reel] = [o for o in frozen_emulator.objects() if o["kind"] == "reel"]
    assert reel["media_id"] == result.external_id
    assert reel["state"] == "published"
    frozen_emulator.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    [row] = fb.object_metrics(creds(page), [result.external_id])
    assert row.external_id == result.external_id
    assert row.sources["views"] == "blue_reels_play_count"
    assert row.sources["watch_time_hours"] == "post_video_view_time"
    assert row.values["views"] > 0
    assert 0 < row.values["watch_time_hours"] < row.values["views"]  # ms -> hours


def test_a_scheduled_reel_is_finished_as_scheduled(
    frozen_emulator: Emulator, page: dict[str, str], clip: Path
) -> None:
    fb = connector(frozen_emulator)
    at = frozen_emulator.clock.now() + timedelta(hours=3)
    result = fb.publish(
        creds(page),
        PublishRequest(
            ContentKind.CLIP,
            page["id"],
            message="Hẹn giờ",
            media_path=clip,
            reel=True,
            publish_at=at,
        ),
    )
    assert result.published_at is None
    assert result.scheduled_for == at
    [reel] = [o for o in frozen_emulator.objects() if o["kind"] == "reel"]
    assert reel["state"] == "scheduled"


@responses.activate
def test_the_token_goes_only_to_meta_s_upload_host(tmp_path: Path) -> None:
    base = "https://graph.example.test/"
    fb = FacebookConnector(ConnectorConfig(facebook_graph_url=base))
    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"x" * 10)
    responses.post(
        base + "v26.0/PAGE/video_reels",
        json={"video_id": "1", "upload_url": "https://evil.example/video-upload/v26.0/1"},
    )
    with pytest.raises(Exception, match="unexpected host"):
        fb.publish(
            Credentials("facebook", "PAGE", Secret("EAAtoken")),
            PublishRequest(ContentKind.CLIP, "PAGE", media_path=clip, reel=True),
        )
    assert len(responses.calls) == 1


# ---- point 6: Business Use Case limits hold back the Page, not the app


def test_a_page_token_throttle_blocks_the_page_for_the_buc_regain_time() -> None:
    buc = {
        "1042": [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 40,
                "total_time": 60,
                "estimated_time_to_regain_access": 600,  # a 24 h window: hours, not minutes
            }
        ]
    }
    err = map_graph_error(
        {"error": {"code": 4, "message": "(#4) Application request limit reached"}},
        headers={"X-Business-Use-Case-Usage": json.dumps(buc)},
        http_status=400,
    )
    assert isinstance(err, RateLimited)
    assert err.scope == "account"
    assert err.retry_after == timedelta(hours=10)


def test_the_emulator_throttles_a_page_over_24_hours(tmp_path: Path) -> None:
    with Emulator(tmp_path, pages=1, channels=1, graph_page_calls_per_day=3) as emu:
        pg = emu.accounts["facebook_pages"][0]
        fb = connector(emu)
        c = creds(pg)
        for _ in range(3):
            assert fb.status(c, f"{pg['id']}_1") is None
        with pytest.raises(RateLimited) as err:
            fb.status(c, f"{pg['id']}_1")
        assert err.value.scope == "account"
        assert timedelta(hours=23) < err.value.retry_after <= timedelta(hours=24)


# ---- point 7: pages_read_user_content


def test_comment_counts_need_pages_read_user_content(
    frozen_emulator: Emulator, page: dict[str, str]
) -> None:
    assert "pages_read_user_content" in REQUIRED_SCOPES
    fb = connector(frozen_emulator)
    post = fb.publish(creds(page), PublishRequest(ContentKind.POST, page["id"], message="Chia sẻ"))
    frozen_emulator.clock.advance(timedelta(hours=6))  # type: ignore[attr-defined]
    [granted] = fb.object_metrics(creds(page), [post.external_id])
    assert "comments" in granted.values
    frozen_emulator.platform.update({"page_user_content_granted": False})
    [refused] = fb.object_metrics(creds(page), [post.external_id])
    assert "comments" not in refused.values
    assert "comments.summary.total_count" in refused.unavailable
    assert refused.values["views"] == granted.values["views"]  # the rest still measured


# ---- point 8: a password-changed token


def test_a_password_changed_token_is_revoked_with_what_to_do() -> None:
    err = map_graph_error(
        {
            "error": {
                "message": "Error validating access token: The session has been invalidated "
                "because the user changed their password.",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 460,
            }
        },
        headers={},
        http_status=400,
    )
    assert isinstance(err, AuthRevoked)
    assert err.subcode == "460"
    assert "password" in err.message
    assert "loa channel connect" in err.message


def test_the_emulator_s_password_changed_token_pauses_with_the_reason(
    frozen_emulator: Emulator, page: dict[str, str]
) -> None:
    frozen_emulator.set_faults("password_changed:facebook#1")
    with pytest.raises(AuthRevoked) as err:
        connector(frozen_emulator).publish(
            creds(page), PublishRequest(ContentKind.POST, page["id"], message="x")
        )
    assert err.value.subcode == "460"
    assert "loa channel connect" in err.value.message
    assert frozen_emulator.objects() == []


def test_a_reel_whose_answer_was_lost_is_found_once_by_its_video_id(
    frozen_emulator: Emulator, page: dict[str, str], clip: Path
) -> None:
    fb = connector(frozen_emulator)
    start = frozen_emulator.clock.now()
    frozen_emulator.set_faults("drop:publish#1")  # the finish lands; its answer is lost
    request = PublishRequest(
        ContentKind.CLIP, page["id"], message="Reel 111", media_path=clip, reel=True
    )
    with pytest.raises(UnknownOutcome):
        fb.publish(creds(page), request)
    [reel] = [o for o in frozen_emulator.objects() if o["kind"] == "reel"]
    probe = ReconcileProbe(
        ContentKind.CLIP, page["id"], "loa-p7", "Reel 111", "", start, start + timedelta(minutes=1)
    )
    result = fb.reconcile(creds(page), probe)
    assert [f.external_id for f in result.found] == [reel["media_id"]]
    assert "video_reels" in result.searched


def test_a_refused_app_upload_falls_back_to_the_chunked_page_upload(
    frozen_emulator: Emulator, page: dict[str, str], clip: Path
) -> None:
    # Meta's upload guide asks for a User token of an app admin; Loa holds Page tokens.
    frozen_emulator.platform.update({"app_uploads_need_user_token": True})
    result = connector(frozen_emulator).publish(
        creds(page),
        PublishRequest(ContentKind.CLIP, page["id"], title="Dự phòng", media_path=clip),
    )
    [video] = [o for o in frozen_emulator.objects() if o["kind"] == "video"]
    assert video["media_id"] == result.external_id
    state = frozen_emulator.state
    assert state is not None
    assert state.fb_objects[video["id"]].media_bytes == clip.stat().st_size
    assert not [u for u in state.uploads.values() if u.kind == "fb_file"]  # none started
