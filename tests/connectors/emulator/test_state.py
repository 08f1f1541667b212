"""The emulator's state: native schedules go live on time, however they were set, while requests
in between do not rescan everything."""

from datetime import UTC, datetime, timedelta

from connectors.emulator.state import FbObject, State, YtVideo

T0 = datetime(2025, 11, 15, 1, 0, tzinfo=UTC)


def _post(state: State, n: int, when: datetime) -> FbObject:
    obj = FbObject(
        f"104251380000001_{n}", "104251380000001", "post", f"m{n}", T0, None, when, "scheduled"
    )
    state.add_fb_object(obj)
    return obj


def test_scheduled_posts_and_videos_go_live_at_their_time() -> None:
    state = State(7, 2, 1, "https://127.0.0.1:1/")
    late = _post(state, 1, T0 + timedelta(hours=3))
    early = _post(state, 2, T0 + timedelta(hours=1))
    video = YtVideo(
        "vid00000001", "UCvnGenderEquality0000001", "t", "", [], "29", "private",
        T0 + timedelta(hours=2), False, T0, None, "scheduled",
    )  # fmt: skip
    state.yt_videos[video.id] = video
    state.note_scheduled(video.publish_at)
    state.settle(T0 + timedelta(minutes=59))
    assert (early.state, video.state, late.state) == ("scheduled", "scheduled", "scheduled")
    state.settle(T0 + timedelta(hours=1))
    assert early.state == "published"
    assert early.published_at == T0 + timedelta(hours=1)
    assert late.state == "scheduled"
    state.settle(T0 + timedelta(hours=5))
    assert (video.state, video.privacy, late.state) == ("published", "public", "published")
    assert video.published_at == T0 + timedelta(hours=2)


def test_a_schedule_moved_earlier_is_noticed() -> None:
    state = State(7, 2, 1, "https://127.0.0.1:1/")
    obj = _post(state, 1, T0 + timedelta(days=2))
    state.settle(T0)
    obj.scheduled_for = T0 + timedelta(hours=1)
    state.note_scheduled(obj.scheduled_for)
    state.settle(T0 + timedelta(hours=1, seconds=1))
    assert obj.state == "published"


def test_page_posts_are_indexed_per_page() -> None:
    state = State(7, 2, 1, "https://127.0.0.1:1/")
    a = _post(state, 1, T0)
    other = FbObject("104251380000002_9", "104251380000002", "post", "x", T0, T0, None, "published")
    state.add_fb_object(other)
    assert state.page_posts("104251380000001") == [a]
    assert state.page_posts("104251380000002") == [other]
    assert state.page_posts("104251380000003") == []
