"""An alert in at most two lines of 80 columns: what happened, then what to do.

The stored message is written for the record (full names, the planned time with its zone, the
platform's words); the list a person scans needs the publication or channel, the problem once,
and the next step. The full message stays in `loa alerts --json` and the e-mail.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.advice import BY_KIND, advice_for
from scheduler.wording import humanize_times, without_repeats

WIDTH = 80


@dataclass(frozen=True)
class AlertFacts:
    """What the list needs of an alert and of the publication or channel it is about."""

    id: int
    kind: str
    severity: str
    message: str
    created_at: datetime
    publication_id: int | None = None
    channel: str = ""
    platform: str = ""
    error_code: str = ""


def _problem(facts: AlertFacts) -> str:
    """The message without the publication's description (the header names it)."""
    text = facts.message
    if facts.publication_id is not None and text.startswith("publication #"):
        # describe_publication: "publication #ID 'content' on CHANNEL (...) planned ...: problem"
        head, sep, rest = text.partition(": ")
        text = rest if sep else head
    if facts.publication_id is not None:
        # "publication 34 was due ..." under a header naming pub 34: say it once.
        for name in (
            f"publication {facts.publication_id} ",
            f"publication #{facts.publication_id} ",
        ):
            if text.startswith(name):
                text = text[len(name) :]
    return text


def next_step(facts: AlertFacts) -> str:
    """The advice for this alert: by the platform's error code first, then by the alert's kind."""
    pub = facts.publication_id
    channel = facts.channel or "KEY"
    by_code = advice_for(facts.platform, facts.error_code, facts.error_code)
    if by_code:
        return by_code.replace("loa retry ID", f"loa retry {pub}").replace(
            "loa channel connect KEY", f"loa channel connect {channel}"
        )
    message = facts.message.lower()
    steps = {
        "failed": f"fix what the error says, then `loa retry {pub}`",
        "missed": f"`loa retry {pub}` (now) or `loa retry {pub} --at 'YYYY-MM-DD HH:MM'`",
        "needs_review": f"`loa review {pub}` asks the platform and shows the evidence",
        "channel_paused": (
            BY_KIND["not_connected"].replace("KEY", channel)
            if "not connected" in message
            else f"fix the cause, then reconnect or resume {channel}"
        ),
        "token_expiring": f"reconnect {channel} before the token expires (`loa channel connect`)",
        "quota_short": "move some clips to other days (`loa plan show --grid`)",
        "preflight": f"fix the content before its time, or `loa cancel {pub}`",
    }
    return steps.get(facts.kind, "")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def alert_lines(facts: AlertFacts, zone: ZoneInfo) -> list[str]:
    """One line (`#ID dd/mm HH:MM kind · subject: problem`) and the advice, each <= 80."""
    when = facts.created_at.astimezone(zone).strftime("%d/%m %H:%M")
    if facts.publication_id is not None:
        subject = f"pub {facts.publication_id}" + (f" on {facts.channel}" if facts.channel else "")
    else:
        subject = facts.channel
    problem = without_repeats(humanize_times(_problem(facts), zone), zone.key)
    if subject and problem.startswith(f"channel {facts.channel}"):
        subject = ""  # the message names the channel already
    mark = "!" if facts.severity == "critical" else " "
    head = f"{mark}#{facts.id} {when} {facts.kind.replace('_', ' ')} · "
    first = head + (f"{subject}: " if subject else "") + problem
    lines = [_fit(first, WIDTH)]
    step = next_step(facts)
    if step:
        lines.append(_fit(f"   → {step}", WIDTH))
    return lines
