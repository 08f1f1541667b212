"""The periodic jobs of the scheduler's periphery, installed into every `loa run`:
hand-off, pre-flight, token health, plan-time quota alerts, alert e-mail and metric pulls.

Importing this module registers them with the ticker (the `loa` command line imports it).
Each job catches its own errors: a failed pass is logged and the next one tries again.
"""

import logging
from collections.abc import Callable

from sqlmodel import Session, select

from campaigns.db import session_scope
from campaigns.models import Campaign
from scheduler.dispatcher import RealConnectors
from scheduler.handoff import HandOff
from scheduler.mailer import email_pending
from scheduler.metrics_jobs import register_jobs as register_metric_jobs
from scheduler.preflight import run_preflight
from scheduler.quota_plan import raise_quota_alerts
from scheduler.ticker import JobContext, Ticker, register_installer
from scheduler.token_health import CHECK_EVERY_S, check_tokens

log = logging.getLogger(__name__)

HANDOFF_EVERY_S = 60.0
PREFLIGHT_EVERY_S = 300.0
QUOTA_EVERY_S = 3600.0
MAIL_EVERY_S = 60.0
METRICS_EVERY_S = 300.0


def _guarded(name: str, func: Callable[[], object]) -> Callable[[], None]:
    def job() -> None:
        try:
            func()
        except Exception:  # a job must outlive a bad pass
            log.exception("%s failed", name)

    job.__name__ = name
    return job


def quota_alerts(context: JobContext) -> int:
    """Raise `quota_short` alerts for every campaign whose plan does not fit."""
    with Session(context.engine) as session:
        ids = [c for c in session.exec(select(Campaign.id)).all() if c is not None]
    raised = 0
    for campaign_id in ids:
        with session_scope(context.engine) as session:
            raised += raise_quota_alerts(session, campaign_id, context.settings)
    return raised


@register_installer
def install(ticker: Ticker, context: JobContext) -> None:
    engine, settings, clock = context.engine, context.settings, context.clock
    # The database quota ledger and the worker's clock, as the dispatcher uses them.
    connectors = RealConnectors(settings, engine, clock)
    handoff = HandOff(engine, settings, clock, connectors, context.worker_id)
    jobs: list[tuple[str, Callable[[], object], float]] = [
        ("handoff", handoff.run_all, HANDOFF_EVERY_S),
        (
            "preflight",
            lambda: run_preflight(engine, settings, clock, connectors),
            PREFLIGHT_EVERY_S,
        ),
        ("token-health", lambda: check_tokens(engine, settings, clock, connectors), CHECK_EVERY_S),
        ("quota-plan", lambda: quota_alerts(context), QUOTA_EVERY_S),
        ("alert-mail", lambda: email_pending(engine, settings), MAIL_EVERY_S),
    ]
    for name, func, seconds in jobs:
        ticker.add_job(_guarded(name, func), seconds, name=name, run_now=True)
    # Published items are measured on their decaying schedule; the pass picks what is due.
    register_metric_jobs(ticker, engine, settings, clock, seconds=int(METRICS_EVERY_S))
