"""`loa channel connect|list` and `loa auth facebook|youtube`: tokens in, health out.

A token is read from a file or a hidden prompt, verified with the platform when it answers,
stored encrypted, and never printed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from campaigns.errors import UserError
from scheduler.cli.common import console, human_time, session, settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from campaigns.models import Channel
    from connectors.base import TokenHealth

# Connectors, OAuth clients and the database layer are imported inside the commands: `loa
# --help` and every other command would otherwise pay for them.

channel_app = typer.Typer(
    help="Facebook Pages and YouTube channels: tokens and health.", no_args_is_help=True
)
auth_app = typer.Typer(
    help="Interactive sign-in flows that connect channels.", no_args_is_help=True
)

_GOOGLE_KEYS = ("refresh_token", "client_id", "client_secret")


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig").strip()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    if not text:
        raise UserError(f"{path}: the file is empty")
    return text


def read_page_token(path: Path) -> str:
    """A Page token file: the bare token, or a JSON object with `access_token`."""
    from connectors.redact import register_secret

    text = _read(path)
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            raise UserError(f"{path}: not valid JSON") from None
        token = doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise UserError(f"{path}: the JSON has no access_token")
        text = token.strip()
    if any(c.isspace() for c in text):
        raise UserError(f"{path}: a token is one word; the file holds something else")
    register_secret(text)
    return text


def read_google_credentials(path: Path) -> str:
    """An authorized-user JSON document (refresh_token, client_id, client_secret)."""
    from connectors.redact import register_secret

    text = _read(path)
    try:
        doc = json.loads(text)
    except ValueError:
        raise UserError(f"{path}: not valid JSON") from None
    if not isinstance(doc, dict):
        raise UserError(f"{path}: expected a JSON object (authorized-user credentials)")
    register_secret(text)
    for value in doc.values():
        if isinstance(value, str):
            register_secret(value)
    missing = [k for k in _GOOGLE_KEYS if not doc.get(k)]
    if missing:
        raise UserError(f"{path}: not authorized-user credentials (missing {', '.join(missing)})")
    return text


def find_channel(s: Session, key: str, campaign: str | None) -> Channel:
    from sqlmodel import col, select

    from campaigns.models import Campaign, Channel

    query = select(Channel, Campaign).join(Campaign, col(Campaign.id) == col(Channel.campaign_id))
    query = query.where(Channel.key == key)
    if campaign:
        query = query.where(Campaign.key == campaign)
    rows = s.exec(query).all()
    if not rows:
        where = f" in campaign {campaign}" if campaign else ""
        raise UserError(f"no channel {key!r}{where}; import the campaign file first")
    accounts = {(c.platform, c.external_id) for c, _ in rows}
    if len(accounts) > 1:
        names = ", ".join(sorted(camp.key for _, camp in rows))
        raise UserError(f"channel {key!r} names different accounts in {names}; add --campaign KEY")
    return rows[0][0]


def _describe(health: TokenHealth | None, word: str, detail: str) -> str:
    expires = "unknown"
    if health is not None:
        expires = "never" if health.expires_at is None else human_time(health.expires_at)
    return f"health {word}" + (f" ({detail})" if detail else "") + f", expires {expires}"


def connect(channel: Channel, secret: str, kind: str, verify: bool) -> str:
    """Verifies (when asked and reachable), stores, and describes the new credential.

    Only an admin connects or replaces a channel's token, and each replacement is audited
    (never the token itself).
    """
    from campaigns.access import Action, require
    from campaigns.models import AuditLog
    from connectors.base import Credentials, PlatformError, Secret, TransientError
    from connectors.registry import build
    from scheduler.cli.identity import current_identity
    from scheduler.config import connector_config
    from scheduler.credentials import record_health, store_credentials, wrong_account

    identity = current_identity()
    require(identity, Action.CHANNELS)
    creds = Credentials(channel.platform, channel.external_id, Secret(secret))
    health: TokenHealth | None = None
    note = ""
    if verify:
        connector = build(channel.platform, connector_config(settings()))
        try:
            health = connector.check_token(creds)
        except TransientError as exc:
            note = f"not verified: the platform did not answer ({exc.kind})"
        except PlatformError as exc:
            raise UserError(
                f"{channel.key}: the platform refused the token: {exc.message}"
            ) from None
        if health is not None and not health.valid:
            raise UserError(f"{channel.key}: the platform refused the token: {health.detail}")
        # Valid is not enough: the token must open this channel's Page or YouTube channel.
        try:
            wrong = wrong_account(connector, creds, channel) if health is not None else ""
        except TransientError as exc:
            wrong, note = "", f"account not verified: the platform did not answer ({exc.kind})"
        except PlatformError as exc:
            raise UserError(
                f"{channel.key}: the platform refused the token: {exc.message}"
            ) from None
        if wrong:
            raise UserError(f"{channel.key}: {wrong}")
    now = datetime.now(UTC)
    with session() as s:
        row = store_credentials(s, channel.platform, channel.external_id, secret, kind, now=now)
        if health is not None:
            record_health(s, row, health, now)
        s.add(
            AuditLog(
                actor=identity.label,
                action="connect",
                entity="channel",
                entity_id=channel.key,
                detail={"platform": channel.platform, "account": channel.external_id},
            )
        )
        word, detail = row.health, row.health_detail or note
    return f"Connected {channel.key} ({channel.platform} {channel.external_id}): " + _describe(
        health, word, detail
    )


@channel_app.command("connect")
def connect_cmd(
    channel_key: str = typer.Argument(..., help="The channel's key in the campaign file."),
    token_file: Path | None = typer.Option(
        None, "--token-file", help="A Facebook Page token (or JSON with access_token)."
    ),
    google_credentials: Path | None = typer.Option(
        None, "--google-credentials", help="Authorized-user JSON."
    ),
    campaign: str | None = typer.Option(
        None, "--campaign", help="Campaign key, when several name the channel."
    ),
    no_verify: bool = typer.Option(False, "--no-verify", help="Store without asking the platform."),
) -> None:
    """Store a channel's token, encrypted, after checking it with the platform."""
    from scheduler.credentials import GOOGLE_AUTHORIZED_USER, PAGE_TOKEN

    if (token_file is None) == (google_credentials is None):
        raise UserError(
            "give exactly one of --token-file (Facebook) or --google-credentials (YouTube)"
        )
    with session() as s:
        channel = find_channel(s, channel_key, campaign)
    if channel.platform == "facebook":
        if token_file is None:
            raise UserError(f"{channel_key} is a Facebook Page: use --token-file")
        secret, kind = read_page_token(token_file), PAGE_TOKEN
    else:
        if google_credentials is None:
            raise UserError(f"{channel_key} is a YouTube channel: use --google-credentials")
        secret, kind = read_google_credentials(google_credentials), GOOGLE_AUTHORIZED_USER
    console.print(
        connect(channel, secret, kind, verify=not no_verify), markup=False, highlight=False
    )


@channel_app.command("list")
def list_cmd(
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign."),
    as_json: bool = typer.Option(False, "--json", help="A JSON list for scripts."),
) -> None:
    """Channels with their account, whether a token is stored, its health and expiry."""
    from sqlmodel import col, select

    from campaigns.models import Campaign, Channel, Credential
    from scheduler.cli.campaign_cmd import ensure_schema

    ensure_schema()
    with session() as s:
        query = select(Channel, Campaign).join(
            Campaign, col(Campaign.id) == col(Channel.campaign_id)
        )
        if campaign:
            query = query.where(Campaign.key == campaign)
        rows = s.exec(query.order_by(col(Campaign.key), col(Channel.key))).all()
        creds = {(c.platform, c.account_id): c for c in s.exec(select(Credential)).all()}
    if not rows:
        raise UserError("no channels: import a campaign file first")
    records = []
    for channel, camp in rows:
        cred = creds.get((channel.platform, channel.external_id))
        records.append(
            {
                "campaign": camp.key,
                "channel": channel.key,
                "platform": channel.platform,
                "account": channel.external_id,
                "connected": cred is not None,
                "health": cred.health if cred else None,
                "health_detail": cred.health_detail if cred else "",
                "expires_at": cred.expires_at.isoformat() if cred and cred.expires_at else None,
                "checked_at": cred.checked_at.isoformat() if cred and cred.checked_at else None,
                "paused": channel.paused,
            }
        )
    if as_json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    several = len({rec["campaign"] for rec in records}) > 1
    table = Table(title="Channels")
    names = ["campaign"] if several else []
    for name in (*names, "channel", "platform", "account", "token", "health", "expires"):
        # Keys are what officers type next: never fold them across lines.
        table.add_column(name, no_wrap=name in ("campaign", "channel"), overflow="fold")
    for (channel, _camp), rec in zip(rows, records, strict=True):
        cred = creds.get((channel.platform, channel.external_id))
        health = "-"
        expires = "-"
        if cred:
            health = cred.health + (f": {cred.health_detail}" if cred.health_detail else "")
            expires = (
                human_time(cred.expires_at)[:10]
                if cred.expires_at
                else ("never" if cred.checked_at else "?")
            )
        cells = [str(rec["campaign"])] if several else []
        table.add_row(
            *cells,
            channel.key,
            channel.platform,
            channel.external_id,
            "stored" if cred else "none",
            health,
            expires,
        )
    console.print(table)


@auth_app.command("facebook")
def auth_facebook(
    user_token_file: Path | None = typer.Option(
        None, "--user-token-file", help="A user token from Graph API Explorer or Facebook Login."
    ),
    campaign: str | None = typer.Option(None, "--campaign", help="Only channels of this campaign."),
) -> None:
    """Trade a user token for a long-lived one and connect every matching Page."""
    from sqlmodel import col, select

    from campaigns.models import Campaign, Channel
    from connectors.base import PlatformError, Secret
    from connectors.oauth import exchange_long_lived, page_tokens
    from connectors.redact import register_secret
    from connectors.registry import build
    from scheduler.config import connector_config
    from scheduler.credentials import PAGE_TOKEN

    if user_token_file is not None:
        user_token = read_page_token(user_token_file)
    else:
        user_token = typer.prompt("Facebook user token", hide_input=True).strip()
        register_secret(user_token)
    connector = build("facebook", connector_config(settings()))
    try:
        long_lived, _expires = exchange_long_lived(connector, Secret(user_token))  # type: ignore[arg-type]
        grants = page_tokens(connector, long_lived)  # type: ignore[arg-type]
    except PlatformError as exc:
        raise UserError(f"Facebook sign-in failed: {exc.message}") from None
    with session() as s:
        query = select(Channel, Campaign).join(
            Campaign, col(Campaign.id) == col(Channel.campaign_id)
        )
        query = query.where(Channel.platform == "facebook")
        if campaign:
            query = query.where(Campaign.key == campaign)
        channels = {c.external_id: c for c, _ in s.exec(query).all()}
    matched = [g for g in grants if g.page_id in channels]
    for grant in matched:
        message = connect(channels[grant.page_id], grant.token.reveal(), PAGE_TOKEN, verify=True)
        console.print(message, markup=False, highlight=False)
    others = [f"{g.name} ({g.page_id})" for g in grants if g.page_id not in channels]
    if others:
        console.print(
            "Pages with no channel in Loa: " + ", ".join(others), markup=False, highlight=False
        )
    if not matched:
        raise UserError("none of your Pages is a channel in Loa")


@auth_app.command("youtube")
def auth_youtube(
    client_secrets: Path = typer.Option(
        ..., "--client-secrets", help="The OAuth client file from Google Cloud."
    ),
    campaign: str | None = typer.Option(None, "--campaign", help="Only channels of this campaign."),
) -> None:
    """Sign in with Google in the browser and connect the channel the grant belongs to."""
    from sqlmodel import col, select

    from campaigns.models import Campaign, Channel
    from connectors.base import Credentials, PlatformError
    from connectors.oauth import google_installed_app
    from connectors.registry import build
    from scheduler.config import connector_config
    from scheduler.credentials import GOOGLE_AUTHORIZED_USER

    config = connector_config(settings())
    if not client_secrets.is_file():
        raise UserError(f"{client_secrets}: no such file")
    try:
        document = google_installed_app(client_secrets, config)
    except (ValueError, KeyError) as exc:
        raise UserError(
            f"{client_secrets}: not an OAuth client file ({type(exc).__name__})"
        ) from None
    except PlatformError as exc:
        raise UserError(f"Google sign-in with {client_secrets} failed: {exc.message}") from None
    connector = build("youtube", config)
    try:
        channel_id = connector.my_channel_id(Credentials("youtube", "", document))  # type: ignore[union-attr]
    except PlatformError as exc:
        raise UserError(f"Google sign-in worked, but YouTube refused: {exc.message}") from None
    with session() as s:
        query = select(Channel, Campaign).join(
            Campaign, col(Campaign.id) == col(Channel.campaign_id)
        )
        query = query.where(Channel.platform == "youtube", Channel.external_id == channel_id)
        if campaign:
            query = query.where(Campaign.key == campaign)
        found = s.exec(query).first()
    if found is None:
        raise UserError(f"the signed-in channel {channel_id} is not a channel in Loa")
    message = connect(found[0], document.reveal(), GOOGLE_AUTHORIZED_USER, verify=True)
    console.print(message, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(channel_app, name="channel")
    app.add_typer(auth_app, name="auth")
