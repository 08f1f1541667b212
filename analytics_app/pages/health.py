"""Health: the queue by state, what is due next, open alerts (acknowledged by managers and
admins), channels with their token and quota state and how to reconnect, workers and leases."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics_app.components import cached, layout
from analytics_app.components.export import export_buttons
from analytics_app.components.theme import style
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import moment
from analytics_app.identity import viewer
from analytics_app.services.data import session
from analytics_app.services.health import acknowledge
from campaigns.access import Action
from campaigns.errors import UserError

STATE_COLOURS = {
    "draft": "#b0bec5",
    "approved": "#90caf9",
    "queued": "#42a5f5",
    "claimed": "#1e88e5",
    "published": "#1a9850",
    "retry_wait": "#f0a202",
    "needs_review": "#ff7043",
    "failed": "#d73027",
    "cancelled": "#9e9e9e",
    "missed": "#8d6e63",
    "handed_off": "#7e57c2",
}

scope = layout.page_scope("health.title", "health.subtitle")
who = viewer()
language = lang()
zone = layout.zone_of(scope)
data = cached.health(scope)
layout.as_of_line(data.as_of, None, zone)

states = [s for s, n in data.queue.items() if n]
if states:
    fig = go.Figure(
        go.Bar(
            x=[t(f"state.{s}") for s in states],
            y=[data.queue[s] for s in states],
            marker_color=[STATE_COLOURS.get(s, "#607d8b") for s in states],
            text=[data.queue[s] for s in states],
            textposition="outside",
            cliponaxis=False,
        )
    )
    st.subheader(t("health.queue"))
    st.plotly_chart(
        style(fig, height=300, legend=False), key="health_queue", config={"displayModeBar": False}
    )
else:
    st.info(t("health.queue_empty"), icon=":material/inbox:")

st.subheader(t("health.alerts", n=len(data.alerts)))
if not data.alerts:
    st.success(t("health.no_alerts"), icon=":material/check_circle:")
for alert in data.alerts[:30]:
    with st.container(border=True):
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(
            f"**{t('alert.' + alert.kind)}** · {alert.severity} · {moment(alert.created_at, zone, language)}"
        )
        left.text(alert.message)
        allowed = who.can(Action.ACKNOWLEDGE, alert.unit or None) and bool(
            alert.unit or who.units is None
        )
        if allowed and right.button(t("health.acknowledge"), key=f"ack_{alert.id}"):
            try:
                with session() as s:
                    acknowledge(s, who, alert.id)
            except UserError as exc:
                st.error(str(exc))
            else:
                st.toast(t("health.acknowledged"))
                st.rerun()

st.subheader(t("health.next_due"))
due = pd.DataFrame(
    [
        {
            "id": d.id,
            t("health.col.when"): moment(d.scheduled_at, zone, language),
            t("health.col.state"): t(f"state.{d.state}"),
            t("health.col.content"): d.content,
            t("health.col.channel"): d.channel,
            t("health.col.unit"): d.unit,
        }
        for d in data.next_due
    ]
)
if due.empty:
    st.caption(t("health.nothing_due"))
else:
    st.dataframe(due, hide_index=True, key="health_due")

st.subheader(t("health.channels"))
channels = pd.DataFrame(
    [
        {
            t("health.col.channel"): c.key,
            t("health.col.platform"): t(f"platform.{c.platform}"),
            t("health.col.unit"): c.unit,
            t("health.col.state"): (t("health.paused") + ": " + c.paused_reason)
            if c.paused
            else t("health.active"),
            t("health.col.token"): t(f"token.{c.token}"),
            t("health.col.expires"): moment(c.token_expires_at, zone, language)
            if c.token_expires_at
            else "",
            t("health.col.held"): moment(c.blocked_until, zone, language)
            if c.blocked_until and c.blocked_until > data.as_of
            else "",
        }
        for c in data.channels
    ]
)
st.dataframe(channels, hide_index=True, key="health_channels")
export_buttons(
    channels, "channels", scope.campaign, scope.filters.describe(), data.as_of, "health_export"
)
broken = [c for c in data.channels if c.paused or c.token not in ("ok", "expiring")]
if broken:
    with st.expander(t("health.reconnect", n=len(broken)), icon=":material/link_off:"):
        for c in broken:
            option = (
                "--token-file page-token.txt"
                if c.platform == "facebook"
                else ("--google-credentials authorized-user.json")
            )
            st.code(f"loa channel connect {c.key} {option}", language="sh")

left, right = st.columns(2)
with left:
    st.subheader(t("health.workers"))
    if not data.workers:
        st.caption(t("health.no_workers"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("health.col.worker"): w.id,
                        t("health.col.host"): w.host,
                        t("health.col.heartbeat"): moment(w.heartbeat_at, zone, language),
                        t("health.col.stopped"): moment(w.stopped_at, zone, language)
                        if w.stopped_at
                        else "",
                        t("health.col.leases"): w.leases,
                        t("health.col.expired"): w.expired_leases,
                    }
                    for w in data.workers
                ]
            ),
            hide_index=True,
            key="health_workers",
        )
with right:
    st.subheader(t("health.quota"))
    if not data.quota:
        st.caption(t("health.no_quota"))
    for bucket, used in data.quota.items():
        st.metric(t(f"quota.{bucket}"), f"{used:,}", border=False)
