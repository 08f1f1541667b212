"""Reconciliation verdicts: never adopt another publication's post, never guess between twins."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from connectors.base import (
    ContentKind,
    Credentials,
    FoundPost,
    ProgressCallback,
    Publisher,
    PublishRequest,
    PublishResult,
    ReconcileProbe,
    ReconcileResult,
    Secret,
    TokenHealth,
    UploadSessionCallback,
)
from scheduler.reconcile import claimed_ids, reconcile
from tests.scheduler.ops_data import add_publication, make_world

T0 = datetime(2025, 11, 25, 1, 0, tzinfo=UTC)
CREDS = Credentials("facebook", "104251380000001", Secret("token"))
REQUEST = PublishRequest(
    ContentKind.POST, "104251380000001", message="Không chia sẻ mật khẩu.", marker="loa-p2"
)


class Listing(Publisher):
    """An account whose search answers with fixed posts."""

    platform = "facebook"

    def __init__(self, *found: FoundPost) -> None:
        self.found = found

    def publish(
        self,
        creds: Credentials,
        request: PublishRequest,
        progress: ProgressCallback | None = None,
        *,
        on_session: UploadSessionCallback | None = None,
    ) -> PublishResult:
        raise AssertionError("reconciliation never publishes")

    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        return ReconcileResult(self.found, complete=True, searched="listing")

    def cancel_scheduled(self, creds: Credentials, external_id: str) -> None:
        raise AssertionError

    def status(self, creds: Credentials, external_id: str) -> FoundPost | None:
        return None

    def check_token(self, creds: Credentials) -> TokenHealth:
        raise AssertionError


def post(external_id: str, minutes: int, matched_on: str = "text") -> FoundPost:
    at = T0 + timedelta(minutes=minutes)
    return FoundPost(external_id, at, at, None, matched_on)


def verdict(publisher: Publisher, exclude: set[str] | None = None) -> tuple[str, str | None]:
    result = reconcile(
        publisher, CREDS, REQUEST, T0, T0 + timedelta(hours=1), exclude_ids=exclude or set()
    )
    return result.verdict, result.found.external_id if result.found else None


def test_a_post_another_publication_owns_is_not_ours() -> None:
    # The same text planned twice on one Page: the first went out; the second's attempt was
    # lost. Its search sees only the first one's post, which proves nothing about the second.
    theirs = post("104251380000001_1", 0)
    assert verdict(Listing(theirs)) == ("found", "104251380000001_1")
    assert verdict(Listing(theirs), {"104251380000001_1"}) == ("absent", None)
    ours = post("104251380000001_2", 30)
    assert verdict(Listing(theirs, ours), {"104251380000001_1"}) == (
        "found",
        "104251380000001_2",
    )


def test_twins_by_text_alone_are_for_a_person_to_tell_apart() -> None:
    twins = Listing(post("104251380000001_1", 0), post("104251380000001_2", 30))
    result = reconcile(twins, CREDS, REQUEST, T0, T0 + timedelta(hours=1))
    assert (result.verdict, result.found) == ("unknown", None)
    assert result.evidence["ambiguous"] is True


def test_a_marker_match_wins_over_text_matches() -> None:
    listing = Listing(post("a", 0), post("b", 30, "marker"), post("c", 40))
    assert verdict(listing) == ("found", "b")


def test_claimed_ids_are_the_other_publications_of_the_channel(sqlite_engine: Engine) -> None:
    world = make_world(sqlite_engine)
    first = add_publication(sqlite_engine, world, "post", "fb", T0, external_id="p_1")
    second = add_publication(sqlite_engine, world, "post", "fb", T0 + timedelta(hours=1))
    add_publication(sqlite_engine, world, "clip", "yt", T0, external_id="vid")
    with Session(sqlite_engine) as s:
        channel_id = world.channels["fb"].id
        assert channel_id is not None
        assert second.id is not None
        assert first.id is not None
        assert claimed_ids(s, channel_id, second.id) == {"p_1"}
        assert claimed_ids(s, channel_id, first.id) == set()
