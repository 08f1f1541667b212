"""Small hand-built campaigns for the tests of alerts, status, pre-flight and hand-off."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.errors import UserError
from campaigns.models import Campaign, Channel, ContentItem, Publication, PublicationState, Unit
from connectors.base import (
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
    UnknownOutcome,
    UploadSessionCallback,
    UploadState,
)


@dataclass
class World:
    campaign: Campaign
    channels: dict[str, Channel] = field(default_factory=dict)
    contents: dict[str, ContentItem] = field(default_factory=dict)


def make_world(engine: Engine, key: str = "am-2025") -> World:
    """A campaign with a unit, a Facebook Page, a YouTube channel and a post, photo and clip."""
    with Session(engine, expire_on_commit=False) as s:
        campaign = Campaign(
            key=key, name="Tháng hành động", starts=date(2025, 11, 15), ends=date(2025, 12, 15)
        )
        s.add(campaign)
        s.flush()
        assert campaign.id is not None
        unit = Unit(campaign_id=campaign.id, key="ncfaw", name="Ủy ban", kind="committee")
        s.add(unit)
        s.flush()
        world = World(campaign)
        world.channels["fb"] = Channel(
            campaign_id=campaign.id,
            key="ncfaw-fb",
            platform="facebook",
            external_id="104251380000001",
            name="Page",
            unit_id=unit.id,
        )
        world.channels["yt"] = Channel(
            campaign_id=campaign.id,
            key="ncfaw-yt",
            platform="youtube",
            external_id="UCvnGenderEquality0000001",
            name="Kênh",
            unit_id=unit.id,
        )
        world.contents["post"] = ContentItem(
            campaign_id=campaign.id, key="tip-01", kind="post", message="Không chia sẻ mật khẩu."
        )
        world.contents["clip"] = ContentItem(
            campaign_id=campaign.id,
            key="clip-hotline",
            kind="clip",
            title="Tổng đài 111",
            description="Gọi 111.",
            media_path="media/clip.mp4",
        )
        for row in (*world.channels.values(), *world.contents.values()):
            s.add(row)
        s.commit()
    return world


def add_publication(
    engine: Engine,
    world: World,
    content: str,
    channel: str,
    at: datetime,
    state: PublicationState = PublicationState.APPROVED,
    **extra: Any,
) -> Publication:
    with Session(engine, expire_on_commit=False) as s:
        campaign_id, content_id = world.campaign.id, world.contents[content].id
        channel_id = world.channels[channel].id
        assert campaign_id is not None
        assert content_id is not None
        assert channel_id is not None
        pub = Publication(
            campaign_id=campaign_id,
            content_id=content_id,
            channel_id=channel_id,
            dedupe_key=f"{world.campaign.key}|{content}|{channel}|{at.isoformat()}",
            slot_at=at,
            scheduled_at=at,
            state=state,
            **extra,
        )
        s.add(pub)
        s.commit()
    return pub


class FakePublisher(Publisher):
    """A platform in memory: records calls, answers from `posts`, raises what `errors` holds."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.calls: list[tuple[str, Any]] = []
        self.posts: dict[str, FoundPost] = {}
        self.health = TokenHealth(valid=True, expires_at=None, scopes=("pages_manage_posts",))
        self.errors: dict[str, Exception] = {}  # method name -> exception to raise once
        self.drop_next_publish = False  # create the post, then lose the answer
        self.markers: dict[str, str] = {}  # external id -> marker
        self.sessions: dict[str, UploadState] = {}  # upload session address -> its answer
        self.lag_next_listing = False  # the next post is created but not listed yet
        self.unlisted: set[str] = set()  # created, not yet in listings (clear to list them)
        self._next = 1

    def _maybe_fail(self, method: str) -> None:
        if method in self.errors:
            raise self.errors.pop(method)

    def publish(
        self,
        creds: Credentials,
        request: PublishRequest,
        progress: ProgressCallback | None = None,
        *,
        on_session: UploadSessionCallback | None = None,
    ) -> PublishResult:
        self.calls.append(("publish", request))
        self._maybe_fail("publish")
        external_id = f"{request.account_id}_{self._next}"
        self._next += 1
        self.posts[external_id] = FoundPost(
            external_id, None, None, request.publish_at, matched_on="marker"
        )
        self.markers[external_id] = request.marker
        if self.lag_next_listing:
            self.lag_next_listing = False
            self.unlisted.add(external_id)
        if self.drop_next_publish:
            self.drop_next_publish = False
            raise UnknownOutcome("connection dropped", platform=self.platform)
        return PublishResult(external_id, None, scheduled_for=request.publish_at)

    def complete(self, creds: Credentials, request: PublishRequest, external_id: str) -> None:
        self.calls.append(("complete", external_id))

    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        self.calls.append(("reconcile", probe))
        found = tuple(
            post
            for external_id, post in self.posts.items()
            if self.markers.get(external_id) == probe.marker and external_id not in self.unlisted
        )
        return ReconcileResult(found=found, complete=True, searched="fake")

    def upload_status(self, creds: Credentials, session: str, total: int) -> UploadState | None:
        self.calls.append(("upload_status", session))
        return self.sessions.get(session)

    def cancel_scheduled(self, creds: Credentials, external_id: str) -> None:
        self.calls.append(("cancel_scheduled", external_id))
        self._maybe_fail("cancel_scheduled")
        self.posts.pop(external_id, None)

    def status(self, creds: Credentials, external_id: str) -> FoundPost | None:
        self.calls.append(("status", external_id))
        self._maybe_fail("status")
        return self.posts.get(external_id)

    def check_token(self, creds: Credentials) -> TokenHealth:
        self.calls.append(("check_token", creds.account_id))
        self._maybe_fail("check_token")
        return self.health


class FakeConnectors:
    """The dispatcher's ConnectorFactory over fake publishers; channels listed in `connected`
    have credentials (by external id)."""

    def __init__(self, connected: set[str] | None = None) -> None:
        self.publishers = {p: FakePublisher(p) for p in ("facebook", "youtube")}
        self.connected = connected

    def publisher(self, platform: str) -> Publisher:
        return self.publishers[platform]

    def credentials(self, session: Session, channel: Channel) -> Credentials:
        if self.connected is not None and channel.external_id not in self.connected:
            raise UserError(f"channel {channel.key} is not connected (`loa channel connect`)")
        return Credentials(channel.platform, channel.external_id, Secret("token"))
