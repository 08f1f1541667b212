"""The real facebook-sdk against the emulator's Graph API."""

import json
from datetime import timedelta

import facebook
import pytest

from connectors.emulator import Emulator
from tests.connectors.emulator.clients import graph, page


def test_post_is_published_listed_and_read_back(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = page(emulator)
    api = graph(emulator, pg["access_token"], monkeypatch)
    created = api.put_object(pg["id"], "feed", message="Chung tay chấm dứt bạo lực #women")
    assert created["id"].startswith(pg["id"] + "_")
    node = api.get_object(created["id"], fields="id,message,is_published,permalink_url")
    assert node["message"] == "Chung tay chấm dứt bạo lực #women"
    assert node["is_published"] is True
    listed = list(api.get_all_connections(pg["id"], "feed", fields="id,message"))
    assert [p["id"] for p in listed] == [created["id"]]
    objects = emulator.objects()
    assert objects[0]["id"] == created["id"]
    assert objects[0]["platform"] == "facebook"
    assert objects[0]["account"] == pg["id"]
    assert objects[0]["state"] == "published"
    assert objects[0]["tags"] == ["women"]


def test_paging_next_urls_carry_the_token(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = page(emulator)
    api = graph(emulator, pg["access_token"], monkeypatch)
    ids = {api.put_object(pg["id"], "feed", message=f"Bài {i}")["id"] for i in range(5)}
    first = api.get_connections(pg["id"], "posts", limit=2)
    assert "access_token=" in first["paging"]["next"]
    # get_all_connections deletes access_token from each next URL: it must be there.
    assert {p["id"] for p in api.get_all_connections(pg["id"], "posts", limit=2)} == ids


def test_native_scheduling_window_and_going_live(
    frozen_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = frozen_emulator
    pg = page(emu, 2)
    api = graph(emu, pg["access_token"], monkeypatch)
    now = emu.clock.now()
    too_soon = int((now + timedelta(minutes=5)).timestamp())
    with pytest.raises(facebook.GraphAPIError) as err:
        api.put_object(
            pg["id"], "feed", message="x", published="false", scheduled_publish_time=too_soon
        )
    assert err.value.code == 100
    when = now + timedelta(hours=2)
    post = api.put_object(
        pg["id"],
        "feed",
        message="Hẹn giờ",
        published="false",
        scheduled_publish_time=when.isoformat(),
    )
    scheduled = api.get_connections(pg["id"], "scheduled_posts", fields="id,scheduled_publish_time")
    assert scheduled["data"] == [
        {"id": post["id"], "scheduled_publish_time": int(when.timestamp())}
    ]
    assert api.get_connections(pg["id"], "feed")["data"] == []
    emu.clock.advance(timedelta(hours=2, seconds=1))  # type: ignore[attr-defined]
    assert [p["id"] for p in api.get_connections(pg["id"], "feed")["data"]] == [post["id"]]
    assert emu.objects()[0]["published_at"] == when.isoformat()


def test_duplicate_and_policy_errors(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    pg = page(emulator)
    api = graph(emulator, pg["access_token"], monkeypatch)
    api.put_object(pg["id"], "feed", message="Một lần thôi")
    with pytest.raises(facebook.GraphAPIError) as dup:
        api.put_object(pg["id"], "feed", message="Một lần thôi")
    assert dup.value.code == 506
    with pytest.raises(facebook.GraphAPIError) as blocked:
        api.put_object(pg["id"], "feed", message="nội dung #policy-block-test")
    assert blocked.value.code == 368
    assert blocked.value.result["error"]["fbtrace_id"]
    assert len(emulator.objects()) == 1


def test_usage_headers_grow_with_calls(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    pg = page(emulator)
    api = graph(emulator, pg["access_token"], monkeypatch)
    url = emulator.base_url + f"v23.0/{pg['id']}"
    for _ in range(3):
        resp = api.session.get(url, params={"access_token": pg["access_token"]})
        usage = json.loads(resp.headers["X-Business-Use-Case-Usage"])[pg["id"]][0]
        assert usage["type"] == "pages"
        assert "X-App-Usage" not in resp.headers  # Page tokens: BUC limits only
    assert resp.headers["Content-Type"].startswith("application/json")
    user = emulator.accounts["facebook_user"]["access_token"]
    resp = api.session.get(url, params={"access_token": user})
    assert set(json.loads(resp.headers["X-App-Usage"])) == {
        "call_count",
        "total_time",
        "total_cputime",
    }
    assert "X-Business-Use-Case-Usage" not in resp.headers


def test_photo_and_chunked_video(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    pg = page(emulator)
    api = graph(emulator, pg["access_token"], monkeypatch)
    photo = api.put_photo(b"\x89PNG fake", album_path=f"{pg['id']}/photos", message="Ảnh #girls")
    assert set(photo) == {"id", "post_id"}
    data = b"x" * 2500
    start = api.put_object(pg["id"], "videos", upload_phase="start", file_size=len(data))
    session, offset = start["upload_session_id"], int(start["start_offset"])
    while offset < len(data):
        part = api.request(
            f"v23.0/{pg['id']}/videos",
            post_args={
                "upload_phase": "transfer",
                "upload_session_id": session,
                "start_offset": str(offset),
            },
            files={"video_file_chunk": data[offset : offset + 1000]},
        )
        offset = int(part["start_offset"])
    done = api.put_object(
        pg["id"],
        "videos",
        upload_phase="finish",
        upload_session_id=session,
        title="Clip",
        description="Mô tả clip",
    )
    assert done == {"success": True}
    kinds = {(o["kind"], o["state"]) for o in emulator.objects()}
    assert kinds == {("photo", "published"), ("video", "published")}
    video = api.get_object(start["video_id"], fields="id,title,description")
    assert video == {"id": start["video_id"], "title": "Clip", "description": "Mô tả clip"}


def test_insights_grow_and_a_retired_metric_fails_the_whole_request(
    frozen_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = frozen_emulator
    pg = page(emu)
    api = graph(emu, pg["access_token"], monkeypatch)
    emu.clock.advance(timedelta(hours=12))  # type: ignore[attr-defined]  # 19:00 in Hanoi
    post = api.put_object(pg["id"], "feed", message="Tối nay #women")
    metrics = "post_media_view,post_total_media_view_unique,post_reactions_by_type_total"

    def read() -> dict[str, object]:
        data = api.get_object(post["id"] + "/insights", metric=metrics)["data"]
        return {d["name"]: d["values"][0]["value"] for d in data}

    first = read()
    assert first["post_media_view"] == 0
    emu.clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
    middle = read()
    emu.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    late = read()
    assert 0 < middle["post_total_media_view_unique"] < late["post_total_media_view_unique"]  # type: ignore[operator]
    assert late["post_media_view"] >= late["post_total_media_view_unique"]  # type: ignore[operator]
    assert isinstance(late["post_reactions_by_type_total"], dict)
    for retired in ("post_impressions", "post_impressions_unique"):
        with pytest.raises(facebook.GraphAPIError) as err:
            api.get_object(post["id"] + "/insights", metric=f"post_media_view,{retired}")
        assert err.value.code == 100
        assert "valid insights metric" in err.value.message
    node = api.get_object(post["id"], fields="reactions.summary(true),comments.summary(true)")
    assert node["reactions"]["summary"]["total_count"] == sum(
        late["post_reactions_by_type_total"].values()
    )


def test_page_daily_insights_sum_the_posts(
    frozen_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = frozen_emulator
    pg = page(emu)
    api = graph(emu, pg["access_token"], monkeypatch)
    posts = [api.put_object(pg["id"], "feed", message=f"Bài {i}")["id"] for i in range(2)]
    emu.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    daily = api.get_object(
        pg["id"] + "/insights",
        metric="page_media_view",
        period="day",
        since="2025-11-13",
        until="2025-11-24",
    )["data"][0]["values"]
    assert daily[0]["end_time"] == "2025-11-14T08:00:00+0000"
    lifetime = sum(
        api.get_object(p + "/insights", metric="post_media_view")["data"][0]["values"][0]["value"]
        for p in posts
    )
    assert sum(v["value"] for v in daily) == lifetime
    with pytest.raises(facebook.GraphAPIError):
        api.get_object(pg["id"] + "/insights", metric="page_fans")


def test_token_exchange_accounts_and_debug_token(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = emulator.accounts
    app, user = accounts["facebook_app"], accounts["facebook_user"]
    api = graph(emulator, user["access_token"], monkeypatch)
    long_lived = api.extend_access_token(app["app_id"], app["app_secret"])
    assert long_lived["expires_in"] > 50 * 86400
    api.access_token = long_lived["access_token"]
    pages = api.get_connections("me", "accounts")["data"]
    assert pages[0]["access_token"] == page(emulator)["access_token"]
    info = api.debug_access_token(pages[0]["access_token"], app["app_id"], app["app_secret"])
    assert info["data"]["is_valid"] is True
    assert info["data"]["profile_id"] == pages[0]["id"]
    assert "pages_manage_posts" in info["data"]["scopes"]
    with pytest.raises(facebook.GraphAPIError) as err:
        graph(emulator, "EAAnot-a-token", monkeypatch).get_object(pages[0]["id"])
    assert err.value.code == 190
    assert err.value.result["error"]["error_subcode"] == 467
