"""The evidence for resolving a `needs_review` publication: what Loa tried, and what the
platform says now.

A person resolves such a row (campaigns.publications.review) with what they checked; before
they do, Loa asks the platform through the same reconciliation the scheduler runs (a status
check of every id it knows, then a search of the account by marker and text over the window of
the attempts). The answer is evidence, not a decision: `found` tells the person the post is
live and where; `absent` that a complete search found nothing; `unknown` that it could not tell.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.errors import UserError
from campaigns.models import Attempt, Channel, ContentItem, Publication, PublicationState
from campaigns.timeutil import ensure_aware, utcnow
from connectors.base import PlatformError
from scheduler import outbox, upload_sessions
from scheduler.advice import advice_for
from scheduler.dispatcher import ConnectorFactory, build_request
from scheduler.reconcile import claimed_ids, reconcile
from scheduler.retry import RECONCILE_MARGIN


@dataclass(frozen=True)
class AttemptLine:
    number: int
    started_at: datetime
    outcome: str
    error_code: str
    error_message: str
    external_id: str | None


@dataclass(frozen=True)
class Evidence:
    publication_id: int
    state: str
    channel: str
    platform: str
    account_id: str
    scheduled_at: datetime
    external_id: str | None
    last_error: str
    last_error_code: str
    attempts: list[AttemptLine] = field(default_factory=list)
    verdict: str = "not_asked"  # found | absent | unknown | not_asked
    platform_says: str = ""
    found_id: str | None = None
    found_link: str = ""

    @property
    def advice(self) -> str:
        return advice_for(self.platform, self.last_error_code)


def _attempts(session: Session, pub_id: int) -> list[AttemptLine]:
    rows = session.exec(
        select(Attempt).where(Attempt.publication_id == pub_id).order_by(col(Attempt.number))
    )
    return [
        AttemptLine(
            a.number,
            ensure_aware(a.started_at),
            a.outcome,
            a.error_code,
            a.error_message,
            a.external_id,
        )
        for a in rows
    ]


def gather(
    engine: Engine,
    pub_id: int,
    connectors: ConnectorFactory,
    *,
    ask_platform: bool = True,
    now: datetime | None = None,
) -> Evidence:
    """The publication's attempts and last error, and (when `ask_platform`) the platform's answer.

    Never raises for the platform: a refused or unreachable call becomes `not_asked` with why.
    """
    now = now or utcnow()
    with Session(engine) as session:
        pub = session.get(Publication, pub_id)
        if pub is None:
            raise UserError(f"no publication with id {pub_id}")
        channel = session.get(Channel, pub.channel_id)
        content = session.get(ContentItem, pub.content_id)
        assert channel is not None
        assert content is not None
        attempts = _attempts(session, pub_id)
        base = Evidence(
            publication_id=pub_id,
            state=pub.state,
            channel=channel.key,
            platform=channel.platform,
            account_id=channel.external_id,
            scheduled_at=ensure_aware(pub.scheduled_at),
            external_id=pub.external_id,
            last_error=pub.last_error,
            last_error_code=pub.last_error_code,
            attempts=attempts,
        )
        if not ask_platform or pub.state != PublicationState.NEEDS_REVIEW:
            return base  # only an unknown outcome needs the platform's word
        known = [i for i in [pub.external_id, *(a.external_id for a in attempts)] if i]
        exclude = claimed_ids(session, channel.id or 0, pub_id)
        request = build_request(pub, channel, content)
        first = min((a.started_at for a in attempts), default=base.scheduled_at)
        sessions, _ = upload_sessions.kept(outbox.unresolved_attempts(session, pub_id))
        try:
            creds = connectors.credentials(session, channel)
        except UserError as exc:
            return _with(base, "not_asked", f"not asked: {exc}")
    publisher = connectors.publisher(channel.platform)
    try:
        # An upload session kept on an open attempt names the video it made, if any.
        answer = upload_sessions.ask(publisher, creds, sessions, covers_all=False)
        if answer.made is not None:
            said = f"the upload session made the video: {answer.made.external_id}"
            return _with(base, "found", said, answer.made.external_id, answer.made.permalink)
        result = reconcile(
            publisher,
            creds,
            request,
            first - RECONCILE_MARGIN,
            now + timedelta(minutes=1),
            list(dict.fromkeys(known)),
            exclude,
        )
    except PlatformError as exc:
        return _with(base, "not_asked", f"could not ask: {exc.message}")
    if result.verdict == "found" and result.found is not None:
        post = result.found
        said = f"the post exists: {post.external_id} (matched on {post.matched_on})"
        return _with(base, "found", said, post.external_id, post.permalink)
    if result.verdict == "absent":
        return _with(base, "absent", f"no such post: {result.evidence.get('searched', '')}")
    why = "several posts match" if result.evidence.get("ambiguous") else "the search was partial"
    return _with(base, "unknown", f"cannot tell ({why}): check the Page or channel yourself")


def _with(
    base: Evidence, verdict: str, says: str, found_id: str | None = None, link: str = ""
) -> Evidence:
    return replace(base, verdict=verdict, platform_says=says, found_id=found_id, found_link=link)


def checked_external_id(
    evidence: Evidence, published: str | None, external_id: str | None, absent: bool
) -> str | None:
    """What a person's finding may resolve to, checked against the platform's answer.

    `--absent` is refused when the platform holds the post (going back to the queue would
    publish it twice). With `--published LINK`, the post id is the one given, else the one the
    link names, else the one the platform found; a link naming another post than the one the
    platform found is refused until the person says which is right.
    """
    from scheduler.post_links import post_id_from_link

    if published and absent:
        raise UserError("say what you found: --published URL or --absent, one of the two")
    if absent:
        if evidence.verdict == "found":
            raise UserError(
                f"{evidence.platform} holds the post ({evidence.found_id}): it is not absent; "
                f"`loa review {evidence.publication_id} --published "
                f"{evidence.found_link or 'LINK'}`"
            )
        return None
    if not published:
        return None
    named = external_id or post_id_from_link(evidence.platform, published, evidence.account_id)
    if named is None:
        if evidence.verdict == "found":
            return evidence.found_id
        raise UserError(
            f"cannot read the {evidence.platform} post id from {published}: add --external-id ID "
            "(the number in the post's address)"
        )
    if evidence.verdict == "found" and evidence.found_id not in (None, named):
        raise UserError(
            f"the link names post {named}, but the platform found this publication as "
            f"{evidence.found_id}: check which is right, then give --external-id"
        )
    return named
