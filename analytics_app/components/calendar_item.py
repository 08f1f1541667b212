"""One publication opened from the calendar: its text, media, platform preview and attempts,
and what may be done with it (approve, cancel, retry, resolve a review, move, edit).

Every button calls a service that checks the person's right itself: a button shown to someone
without the right ends in the service's refusal, shown as a message, with nothing changed.
User text (titles, messages, file names, errors from the platforms) is drawn with `st.text`
or escaped, never as Markdown or HTML.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from analytics_app.components.calendar import remount
from analytics_app.components.calendar_forms import (
    attempt,
    content_form,
    field_errors,
    notify,
    show_errors,
    show_notice,
    submit,
)
from analytics_app.components.layout import plain
from analytics_app.i18n import t
from analytics_app.i18n.format import moment
from analytics_app.services import publishing
from analytics_app.services.calendar import (
    CalendarData,
    FacebookPreview,
    ItemAction,
    ItemDetail,
    item_detail,
)
from analytics_app.services.data import engine, session
from analytics_app.services.item_rules import ContentInvalid, form_for
from analytics_app.services.planning import edit_item, move_slot
from campaigns.access import Identity
from campaigns.errors import UserError

OPEN_KEY = "cal_pick"  # the publication shown in the panel (0: none)


def apply_move(who: Identity, publication: int, at: datetime, widget_key: str) -> None:
    """A drag-and-drop on the calendar: the move, or its refusal as the notice; then the
    calendar shows the database again either way."""

    def write() -> None:
        with session() as s:
            move_slot(s, who, publication, at)

    try:
        attempt(write, t("calendar.done.move"))
    except ContentInvalid as exc:  # the new time itself is wrong
        notify("error", f"{t('calendar.refused')} {exc}")
    remount(widget_key)
    st.rerun()


def close() -> None:
    st.session_state[OPEN_KEY] = 0


def _media(path_text: str | None, label: str) -> None:
    if not path_text:
        return
    from pathlib import Path

    path = Path(path_text)
    st.caption(label)
    st.text(path.name)
    if not path.is_file():
        st.warning(t("calendar.media_missing"))
    elif path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".bmp"):
        st.image(str(path), width=320)
    else:
        st.video(str(path))


def _preview(detail: ItemDetail) -> None:
    preview = detail.preview
    with st.container(border=True):
        if isinstance(preview, FacebookPreview):
            st.caption(t("calendar.preview.facebook"))
            st.text(preview.page)
            st.text(preview.message or "—")
            if preview.link:
                st.text(preview.link)
            _media(preview.media.as_posix() if preview.media else None, t("calendar.field.media"))
        else:
            st.caption(t("calendar.preview.youtube"))
            if preview.thumbnail is not None:
                _media(preview.thumbnail.as_posix(), t("calendar.field.thumbnail"))
            st.text(preview.title or "—")
            st.text(preview.description or "—")
            st.caption(t("calendar.description_bytes", n=preview.description_bytes))
            if preview.tags:
                st.text(", ".join(preview.tags))
            st.caption(
                t("calendar.privacy", privacy=t(f"calendar.privacy.{preview.privacy}"))
                + (" · " + t("calendar.made_for_kids") if preview.made_for_kids else "")
            )
            _media(preview.media.as_posix() if preview.media else None, t("calendar.field.media"))


def _attempts(detail: ItemDetail, zone: ZoneInfo, lang: str) -> None:
    st.subheader(t("calendar.attempts", n=len(detail.attempts)))
    if not detail.attempts:
        st.caption(t("calendar.no_attempts"))
        return
    frame = pd.DataFrame(
        [
            {
                "#": a.number,
                t("calendar.col.started"): moment(a.started_at, zone, lang),
                t("calendar.col.ended"): moment(a.ended_at, zone, lang) if a.ended_at else "",
                t("calendar.col.outcome"): a.outcome,
                t("calendar.col.error"): f"{a.error_code} {a.error_message}".strip(),
                t("calendar.col.worker"): a.worker,
                t("calendar.col.trace"): a.trace_id,
            }
            for a in detail.attempts
        ]
    )
    st.dataframe(frame, hide_index=True, key="cal_attempts")


def _review(detail: ItemDetail, who: Identity) -> None:
    """Resolve needs_review: the evidence first, then "it is there" or "it is absent"."""
    st.subheader(t("calendar.review"))
    if detail.last_error:
        st.text(detail.last_error)
    for number, evidence in detail.evidence:
        st.caption(t("calendar.evidence", n=number))
        st.json(evidence, expanded=False)
    url = st.text_input(t("calendar.review_url"), key=f"cal_review_url_{detail.id}")
    left, right = st.columns(2)
    if left.button(t("calendar.review_found"), key="cal_review_found"):
        attempt(
            lambda: publishing.review(engine(), who, detail.id, published_url=url.strip() or None),
            t("calendar.done.review"),
        )
        st.rerun()
    if right.button(t("calendar.review_absent"), key="cal_review_absent"):
        attempt(
            lambda: publishing.review(engine(), who, detail.id, absent=True),
            t("calendar.done.review"),
        )
        st.rerun()


def _move(detail: ItemDetail, who: Identity, zone: ZoneInfo) -> None:
    local = detail.scheduled_at.astimezone(zone)
    with st.form(f"cal_move_{detail.id}", border=True):
        st.caption(t("calendar.move"))
        left, right = st.columns(2)
        day = left.date_input(
            t("calendar.field.date"), value=local.date(), format="DD/MM/YYYY", key="cal_move_day"
        )
        hour = right.time_input(
            t("calendar.field.time"),
            value=time(local.hour, local.minute),
            step=300,
            key="cal_move_time",
        )
        show_errors(field_errors("cal_move"), "scheduled_at")
        submitted = st.form_submit_button(t("calendar.move_submit"))
    if submitted:
        at = datetime.combine(day, hour, tzinfo=zone)

        def write() -> None:
            with session() as s:
                move_slot(s, who, detail.id, at)

        submit(write, t("calendar.done.move"), "cal_move")


def _edit(detail: ItemDetail, who: Identity, data: CalendarData) -> None:
    if detail.siblings:
        others = ", ".join(f"{s.channel} ({t('state.' + s.state)})" for s in detail.siblings)
        st.caption(t("calendar.edit_shared"))
        st.text(others)
    if detail.state != "draft":
        st.caption(t("calendar.edit_back_to_draft"))
    if detail.from_file:
        st.warning(t("calendar.edit_from_file"), icon=":material/description:")
    submitted = content_form(f"cal_edit_{detail.id}", data, form_for(detail), "cal_edit")
    if submitted is None:
        return
    form = submitted.form

    def write() -> None:
        with session() as s:
            edit_item(s, who, detail.id, form)

    submit(write, t("calendar.done.edit"), "cal_edit")


def open_item(
    who: Identity, publication: int, data: CalendarData, zone: ZoneInfo, lang: str
) -> None:
    """The item in a drawer on the right, drawn again on every run while it is open (the page
    underneath keeps its tab and its calendar); closing it, by its button or by dismissing the
    drawer, forgets it."""

    def body() -> None:
        try:
            with session() as s:
                detail = item_detail(s, who, publication)
        except UserError as exc:  # gone, or another unit's (Forbidden)
            st.error(plain(str(exc)))
            return
        item_panel(detail, who, data, zone, lang)

    title = t("calendar.item", id=publication)
    st.dialog(title, width="medium", position="right", on_dismiss=close)(body)()


def item_panel(
    detail: ItemDetail, who: Identity, data: CalendarData, zone: ZoneInfo, lang: str
) -> None:
    """The panel of one publication, with the actions its state allows."""
    show_notice()
    # A click inside the drawer reruns only the drawer (a fragment): closing reruns the page,
    # which then draws no drawer.
    if st.button(t("calendar.close"), key="cal_close", icon=":material/close:"):
        close()
        st.rerun(scope="app")
    st.markdown(
        f"**{t('state.' + detail.state)}** · {t('kind.' + detail.kind)} · "
        f"{t('platform.' + detail.platform)} · {moment(detail.scheduled_at, zone, lang)}"
    )
    st.text(f"{detail.channel_name} ({detail.channel})")
    if detail.scheduled_at != detail.slot_at:
        st.caption(t("calendar.moved_from", moment=moment(detail.slot_at, zone, lang)))
    if detail.approved_by:
        st.caption(t("calendar.approved_by"))
        st.text(detail.approved_by)
    if detail.permalink:
        st.text(detail.permalink)
    if detail.last_error and detail.state != "needs_review":
        st.caption(t("calendar.last_error"))
        st.text(detail.last_error)
    for problem in detail.problems:
        st.warning(plain(problem), icon=":material/warning:")

    st.caption(t("calendar.field.title"))
    st.text(detail.title or "—")
    st.caption(t("calendar.field.message"))
    st.text(detail.text or "—")
    _preview(detail)

    possible = detail.possible
    buttons = [
        (
            ItemAction.APPROVE,
            "calendar.approve",
            lambda: publishing.approve(engine(), who, [detail.id]),
            "calendar.done.approve",
        ),
        (
            ItemAction.CANCEL,
            "calendar.cancel",
            lambda: publishing.cancel(engine(), who, [detail.id]),
            "calendar.done.cancel",
        ),
        (
            ItemAction.RETRY,
            "calendar.retry",
            lambda: publishing.retry(engine(), who, [detail.id]),
            "calendar.done.retry",
        ),
    ]
    shown = [b for b in buttons if b[0] in possible]
    if shown:
        columns = st.columns(len(shown))
        for column, (action, label, write, done) in zip(columns, shown, strict=True):
            helper = None if action in detail.allowed else t("calendar.not_yours")
            if column.button(t(label), key=f"cal_{action.value}", help=helper):
                attempt(write, t(done))
                st.rerun()
    if ItemAction.REVIEW in possible:
        _review(detail, who)
    if ItemAction.MOVE in detail.allowed:
        _move(detail, who, zone)
    if ItemAction.EDIT in detail.allowed:
        with st.expander(t("calendar.edit"), icon=":material/edit:"):
            _edit(detail, who, data)
    _attempts(detail, zone, lang)
