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
    from connectors.emulator import emulator as module  # noqa: F401 - keep import local

    pg = page(emulator)
    api = graph(emulator, pg["access_token"], monkeypatch)
    url = emulator.base_url + f"v23.0/{pg['id']}"
    counts = []
    for _ in range(3):
        resp = api.session.get(url, params={"access_token": pg["access_token"]})
        usage = json.loads(resp.headers["X-Business-Use-Case-Usage"])[pg["id"]][0]
        assert usage["type"] == "pages"
        counts.append(resp.headers["X-App-Usage"])
        assert set(json.loads(resp.headers["X-App-Usage"])) == {
            "call_count",
            "total_time",
            "total_cputime",
        }
    assert resp.headers["Content-Type"].startswith("application/json")
