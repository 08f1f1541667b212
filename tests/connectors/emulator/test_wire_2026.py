"""The emulator's late-2026 paths on the wire, through plain `requests` (no project client), so
the shapes are checked independently of the connectors that read them: the YouTube upload
bucket's 429, uploads locked private, Analytics delay and `engagedViews`, the Resumable Upload
API, Reels and `video_insights`, usage headers by token kind, Graph versions, and the
`/_emulator/platform` switches."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.emulator import Emulator, FrozenClock

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path, pages=2, channels=1, clock=FrozenClock(START)) as e:
        yield e


def http(emu: Emulator) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(emu.ca_file)
    return s


def google_token(emu: Emulator) -> str:
    doc = emu.accounts["youtube_channels"][0]["credentials"]
    answer = http(emu).post(
        emu.base_url + "token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": doc["refresh_token"],
            "client_id": doc["client_id"],
            "client_secret": doc["client_secret"],
        },
    )
    return str(answer.json()["access_token"])


def upload_video(emu: Emulator, token: str, status: dict[str, Any]) -> requests.Response:
    """The resumable protocol by hand: the session, then every byte in one PUT."""
    s = http(emu)
    auth = {"Authorization": f"Bearer {token}"}
    start = s.post(
        emu.base_url + "upload/youtube/v3/videos",
        params={"uploadType": "resumable", "part": "snippet,status"},
        json={"snippet": {"title": "Clip"}, "status": status},
        headers={**auth, "X-Upload-Content-Length": "1000", "X-Upload-Content-Type": "video/mp4"},
    )
    if start.status_code != 200:
        return start
    return s.put(
        start.headers["Location"],
        data=b"v" * 1000,
        headers={**auth, "Content-Range": "bytes 0-999/1000"},
    )


def set_platform(emu: Emulator, **switches: Any) -> requests.Response:
    return http(emu).post(emu.base_url + "_emulator/platform", json=switches)


# ---- YouTube


def test_the_upload_bucket_runs_out_with_the_2026_answer(tmp_path: Path) -> None:
    clock = FrozenClock(START)
    with Emulator(tmp_path, pages=1, channels=1, clock=clock, youtube_daily_uploads=1) as emu:
        token = google_token(emu)
        assert upload_video(emu, token, {"privacyStatus": "public"}).status_code == 200
        refused = upload_video(emu, token, {"privacyStatus": "public"})
        assert http(emu).get(emu.base_url + "_emulator/health").json()["quota"] == {
            "units": 0,
            "uploads": 1,
        }
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == 429
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"] == (
        "Quota exceeded for quota metric 'Video Uploads' and limit 'Video Uploads per day'"
    )
    assert error["errors"] == [
        {"message": error["message"], "domain": "global", "reason": "rateLimitExceeded"}
    ]


def test_an_unverified_project_gets_its_upload_locked_private(emu: Emulator) -> None:
    token = google_token(emu)
    assert set_platform(emu, unverified_project=True).json()["unverified_project"] is True
    locked = upload_video(emu, token, {"privacyStatus": "public"}).json()
    scheduled = upload_video(
        emu, token, {"privacyStatus": "private", "publishAt": "2026-12-03T00:00:00Z"}
    ).json()
    assert locked["status"]["privacyStatus"] == "private"
    assert "publishAt" not in scheduled["status"]
    set_platform(emu, unverified_project=False)
    free = upload_video(emu, token, {"privacyStatus": "public"}).json()
    assert free["status"]["privacyStatus"] == "public"


def test_analytics_lag_48_hours_and_accept_engaged_views(emu: Emulator) -> None:
    token = google_token(emu)
    video = upload_video(emu, token, {"privacyStatus": "public"}).json()["id"]
    clock = emu.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(days=4))

    def report() -> dict[str, Any]:
        answer = http(emu).get(
            emu.base_url + "v2/reports",
            params={
                "ids": "channel==MINE",
                "startDate": "2026-11-30",
                "endDate": "2026-12-06",
                "metrics": "views,engagedViews",
                "dimensions": "day",
                "filters": f"video=={video}",
            },
            headers={"Authorization": f"Bearer {google_token(emu)}"},
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    late = report()
    assert [h["name"] for h in late["columnHeaders"]] == ["day", "views", "engagedViews"]
    days = [row[0] for row in late["rows"]]
    assert max(days) == "2026-12-03"  # now is 5 Dec 03:00 UTC: 3 Dec is the newest served
    assert all(0 <= engaged <= views for _, views, engaged in late["rows"])
    assert sum(row[2] for row in late["rows"]) > 0
    set_platform(emu, analytics_delay_hours=0)
    assert max(row[0] for row in report()["rows"]) == "2026-12-05"


# ---- Graph: Resumable Upload API, Reels, video_insights


def test_page_video_through_the_resumable_upload_api(emu: Emulator) -> None:
    pg = emu.accounts["facebook_pages"][0]
    app = emu.accounts["facebook_app"]["app_id"]
    s = http(emu)
    v = emu.base_url + "v26.0/"
    start = s.post(
        v + f"{app}/uploads",
        params={"file_name": "a.mp4", "file_length": "3000", "file_type": "video/mp4"},
        data={"access_token": pg["access_token"]},
    )
    session = start.json()["id"]
    assert session.startswith("upload:")
    auth = {"Authorization": f"OAuth {pg['access_token']}"}
    part = s.post(v + session, headers={**auth, "file_offset": "0"}, data=b"a" * 1000)
    assert part.json() == {"id": session, "file_offset": 1000}
    wrong = s.post(v + session, headers={**auth, "file_offset": "0"}, data=b"a" * 2000)
    assert wrong.json()["error"]["code"] == 6000
    assert s.get(v + session, headers=auth).json() == {"id": session, "file_offset": 1000}
    done = s.post(v + session, headers={**auth, "file_offset": "1000"}, data=b"a" * 2000)
    handle = done.json()["h"]
    video = s.post(
        v + f"{pg['id']}/videos",
        data={
            "access_token": pg["access_token"],
            "title": "Tiêu đề",
            "description": "Mô tả",
            "fbuploader_video_file_chunk": handle,
        },
    )
    assert video.status_code == 200
    video_id = video.json()["id"]
    assert video.headers["facebook-api-version"] == "v26.0"
    again = s.post(
        v + f"{pg['id']}/videos",
        data={"access_token": pg["access_token"], "fbuploader_video_file_chunk": handle},
    )
    assert again.json()["error"]["code"] == 100  # a handle makes one video
    node = s.get(
        v + video_id, params={"access_token": pg["access_token"], "fields": "permalink_url"}
    )
    assert node.json()["permalink_url"] == f"/{pg['id']}/videos/{video_id}/"


def test_a_reel_start_upload_finish_and_its_video_insights(emu: Emulator) -> None:
    pg = emu.accounts["facebook_pages"][0]
    s = http(emu)
    v = emu.base_url + "v26.0/"
    start = s.post(
        v + f"{pg['id']}/video_reels",
        data={"upload_phase": "start", "access_token": pg["access_token"]},
    ).json()
    video_id = start["video_id"]
    assert start["upload_url"] == emu.base_url + f"video-upload/v26.0/{video_id}"
    early = s.post(
        v + f"{pg['id']}/video_reels",
        data={
            "upload_phase": "finish",
            "video_id": video_id,
            "video_state": "PUBLISHED",
            "access_token": pg["access_token"],
        },
    )
    assert early.json()["error"]["code"] == 6000  # nothing uploaded yet
    uploaded = s.post(
        start["upload_url"],
        headers={
            "Authorization": f"OAuth {pg['access_token']}",
            "offset": "0",
            "file_size": "4000",
        },
        data=b"r" * 4000,
    )
    assert uploaded.json() == {"success": True}
    finish = s.post(
        v + f"{pg['id']}/video_reels",
        data={
            "upload_phase": "finish",
            "video_id": video_id,
            "video_state": "PUBLISHED",
            "description": "Reel dọc",
            "access_token": pg["access_token"],
        },
    )
    assert finish.json() == {"success": True}
    listed = s.get(
        v + f"{pg['id']}/video_reels",
        params={"access_token": pg["access_token"], "fields": "id,description,permalink_url"},
    ).json()["data"]
    assert listed == [
        {"id": video_id, "description": "Reel dọc", "permalink_url": f"/reel/{video_id}/"}
    ]
    videos = s.get(v + f"{pg['id']}/videos", params={"access_token": pg["access_token"]})
    assert videos.json()["data"] == []  # a Reel is not listed with the Page's videos
    clock = emu.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(days=1))
    metrics = "blue_reels_play_count,post_video_view_time,post_video_likes_by_reaction_type"
    insights = s.get(
        v + f"{video_id}/video_insights",
        params={"access_token": pg["access_token"], "metric": metrics},
    ).json()["data"]
    assert [i["name"] for i in insights] == metrics.split(",")
    assert insights[0]["period"] == "lifetime"
    assert insights[0]["id"] == f"{video_id}/video_insights/blue_reels_play_count/lifetime"
    assert insights[0]["values"][0]["value"] > 0
    assert isinstance(insights[2]["values"][0]["value"], dict)
    refused = s.get(
        v + f"{video_id}/video_insights",
        params={"access_token": pg["access_token"], "metric": "post_media_view"},
    )
    assert refused.json()["error"]["code"] == 100


# ---- Graph: usage headers by token kind, versions, comment permission


def test_page_tokens_get_buc_headers_over_24_hours_and_user_tokens_app_usage(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(START)
    with Emulator(tmp_path, pages=1, channels=1, clock=clock, graph_page_calls_per_day=2) as emu:
        pg = emu.accounts["facebook_pages"][0]
        user = emu.accounts["facebook_user"]["access_token"]
        s = http(emu)
        url = emu.base_url + f"v26.0/{pg['id']}"
        for _ in range(2):
            ok = s.get(url, params={"access_token": pg["access_token"]})
            assert "X-App-Usage" not in ok.headers
        clock.advance(timedelta(hours=2))  # past a one-hour window, inside the 24-hour one
        throttled = s.get(url, params={"access_token": pg["access_token"]})
        as_user = s.get(url, params={"access_token": user})
    assert throttled.json()["error"]["code"] == 32
    [entry] = json.loads(throttled.headers["X-Business-Use-Case-Usage"])[pg["id"]]
    assert entry["type"] == "pages"
    assert entry["call_count"] == 100
    assert entry["estimated_time_to_regain_access"] == 22 * 60  # minutes until the first expires
    assert as_user.status_code == 200
    assert set(json.loads(as_user.headers["X-App-Usage"])) == {
        "call_count",
        "total_time",
        "total_cputime",
    }
    assert "X-Business-Use-Case-Usage" not in as_user.headers


def test_an_ended_version_is_served_as_the_oldest_usable_and_an_unknown_one_refused(
    emu: Emulator,
) -> None:
    pg = emu.accounts["facebook_pages"][0]
    s = http(emu)
    params = {"access_token": pg["access_token"]}
    current = s.get(emu.base_url + f"v23.0/{pg['id']}", params=params)
    assert current.headers["facebook-api-version"] == "v23.0"
    ended = s.get(emu.base_url + f"v20.0/{pg['id']}", params=params)  # ended 2026-09-24
    assert ended.status_code == 200
    assert ended.headers["facebook-api-version"] == "v21.0"
    unknown = s.get(emu.base_url + f"v99.0/{pg['id']}", params=params)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == 100


def test_comments_need_pages_read_user_content(emu: Emulator) -> None:
    pg = emu.accounts["facebook_pages"][0]
    s = http(emu)
    v = emu.base_url + "v26.0/"
    post = s.post(v + f"{pg['id']}/feed", data={"message": "x", "access_token": pg["access_token"]})
    fields = {"access_token": pg["access_token"], "fields": "comments.limit(0).summary(true)"}
    assert "comments" in s.get(v + post.json()["id"], params=fields).json()
    set_platform(emu, page_user_content_granted=False)
    refused = s.get(v + post.json()["id"], params=fields)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == 10
    assert "pages_read_user_content" in refused.json()["error"]["message"]
    scopes = s.get(v + "debug_token", params={"input_token": pg["access_token"], **fields}).json()[
        "data"
    ]["scopes"]
    assert "pages_read_user_content" in scopes


def test_platform_switches_are_checked(emu: Emulator) -> None:
    assert set_platform(emu, nonsense=True).status_code == 400
    assert set_platform(emu, unverified_project="yes").status_code == 400
    assert set_platform(emu, upload_bucket_reply="500").status_code == 400
    assert http(emu).get(emu.base_url + "_emulator/platform").json() == {
        "unverified_project": False,
        "upload_bucket_reply": "429",
        "analytics_delay_hours": 48.0,
        "page_user_content_granted": True,
        "app_uploads_need_user_token": False,
    }


def test_app_uploads_can_demand_a_user_token(emu: Emulator) -> None:
    pg = emu.accounts["facebook_pages"][0]
    user = emu.accounts["facebook_user"]["access_token"]
    app = emu.accounts["facebook_app"]["app_id"]
    set_platform(emu, app_uploads_need_user_token=True)
    url = emu.base_url + f"v26.0/{app}/uploads"
    query = {"file_name": "a.mp4", "file_length": "10", "file_type": "video/mp4"}
    refused = http(emu).post(url, params=query, data={"access_token": pg["access_token"]})
    assert refused.json()["error"]["code"] == 102
    taken = http(emu).post(url, params=query, data={"access_token": user})
    assert taken.json()["id"].startswith("upload:")
