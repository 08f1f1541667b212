"""The calendar's forms: write a post or clip (each error under its field), upload media, import
an officer's Excel plan (row errors listed), and the table for bulk approval and bulk edits.

A write runs in one transaction (`services.data.session`); its refusal or error is kept for the
next run, which shows the database as it now is. Nothing here decides what is allowed: the
services do.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from analytics_app.components.layout import plain
from analytics_app.i18n import lang, t
from analytics_app.services import publishing
from analytics_app.services.cache import clear_caches
from analytics_app.services.calendar import EDITABLE_STATES, CalendarData
from analytics_app.services.data import engine, session
from analytics_app.services.item_rules import ContentForm, ContentInvalid
from analytics_app.services.planning import BulkInvalid, RowChange, bulk_edit, create_item
from analytics_app.services.uploads import import_plan, upload_media
from campaigns.access import Identity
from campaigns.errors import UserError, ValidationFailed
from campaigns.limits import PHOTO_SUFFIXES, VIDEO_SUFFIXES

NOTICE_KEY = "cal_notice"
KINDS = ("post", "link", "photo", "clip")
PRIVACIES = ("public", "unlisted", "private")
NONE = ""


def notify(kind: str, text: str) -> None:
    """A message for the next run (a write reruns the page to show the new state)."""
    st.session_state[NOTICE_KEY] = (kind, text)


def show_notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if not notice:
        return
    kind, text = notice
    (st.success if kind == "success" else st.error)(plain(text))


def attempt(write: Callable[[], object], done: str) -> bool:
    """Run a write; a refusal (Forbidden) or another user error becomes the notice.
    ContentInvalid is left to the caller, whose form shows it field by field."""
    try:
        write()
    except ContentInvalid:
        raise
    except UserError as exc:
        notify("error", f"{t('calendar.refused')} {exc}")
        return False
    clear_caches()
    notify("success", done)
    return True


def submit(write: Callable[[], object], done: str, form_key: str) -> None:
    """A form's write: its field errors kept for the form, then the page redrawn."""
    try:
        attempt(write, done)
    except ContentInvalid as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.field, []).append(e.message)
        st.session_state[f"{form_key}_errors"] = errors
    else:
        st.session_state.pop(f"{form_key}_errors", None)
    st.rerun()


def field_errors(form_key: str) -> dict[str, list[str]]:
    errors = st.session_state.get(f"{form_key}_errors")
    return errors if isinstance(errors, dict) else {}


def show_errors(errors: dict[str, list[str]], name: str) -> None:
    """The errors of one field, right under it."""
    for message in errors.get(name, ()):
        st.error(plain(message), icon=":material/error:")


@dataclass(frozen=True)
class Submitted:
    form: ContentForm
    channels: list[str]
    at: datetime | None


def _split(raw: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in raw.replace(";", ",").split(",") if p.strip()))


def content_form(
    key: str,
    data: CalendarData,
    initial: ContentForm | None,
    form_key: str,
    *,
    with_slot: bool = False,
) -> Submitted | None:
    """The post/clip form; what was entered when submitted, else None."""
    errors = field_errors(form_key)
    start = initial or ContentForm(kind="post")
    zone = data.campaign.zone
    media_names = [NONE, *data.media]
    current_media = start.media if start.media and start.media not in data.media else None
    if current_media:
        media_names.insert(1, current_media)
    current_thumb = (
        start.thumbnail if start.thumbnail and start.thumbnail not in data.media else None
    )
    thumb_names = [NONE, *([current_thumb] if current_thumb else []), *data.media]
    channels: list[str] = []
    at: datetime | None = None
    with st.form(key, border=True):
        kind = st.selectbox(
            t("calendar.field.kind"),
            KINDS,
            index=KINDS.index(start.kind) if start.kind in KINDS else 0,
            format_func=lambda k: t(f"kind.{k}"),
            key=f"{key}_kind",
        )
        show_errors(errors, "kind")
        if with_slot:
            by_key = {c.key: c for c in data.channels}
            channels = st.multiselect(
                t("calendar.field.channels"),
                list(by_key),
                format_func=lambda k: f"{by_key[k].name} ({k})",
                placeholder=t("calendar.choose"),
                key=f"{key}_channels",
            )
            show_errors(errors, "channels")
            left, right = st.columns(2)
            day = left.date_input(
                t("calendar.field.date"),
                value=_default_day(data),
                min_value=data.campaign.starts,
                max_value=data.campaign.ends,
                format="DD/MM/YYYY",
                key=f"{key}_day",
            )
            hour = right.time_input(
                t("calendar.field.time"), value=time(8, 0), step=300, key=f"{key}_time"
            )
            show_errors(errors, "scheduled_at")
            if isinstance(day, date) and isinstance(hour, time):
                at = datetime.combine(day, hour, tzinfo=zone)
        title = st.text_input(t("calendar.field.title"), value=start.title, key=f"{key}_title")
        show_errors(errors, "title")
        message = st.text_area(
            t("calendar.field.message"), value=start.message, height=160, key=f"{key}_message"
        )
        show_errors(errors, "message")
        link = st.text_input(t("calendar.field.link"), value=start.link, key=f"{key}_link")
        show_errors(errors, "link")
        media = st.selectbox(
            t("calendar.field.media"),
            media_names,
            index=media_names.index(start.media) if start.media in media_names else 0,
            format_func=_file_label,
            key=f"{key}_media",
        )
        show_errors(errors, "media")
        thumbnail = st.selectbox(
            t("calendar.field.thumbnail"),
            thumb_names,
            index=thumb_names.index(start.thumbnail) if start.thumbnail in thumb_names else 0,
            format_func=_file_label,
            key=f"{key}_thumbnail",
        )
        show_errors(errors, "thumbnail")
        tags = st.text_input(
            t("calendar.field.tags"), value=", ".join(start.tags), key=f"{key}_tags"
        )
        show_errors(errors, "tags")
        objective_titles = {
            k: (te or ti) if lang() == "en" else ti for k, ti, te in data.objectives
        }
        objectives = st.multiselect(
            t("calendar.field.objectives"),
            list(objective_titles),
            default=[o for o in start.objectives if o in objective_titles],
            format_func=lambda k: f"{k} · {objective_titles.get(k, k)}",
            placeholder=t("calendar.choose"),
            key=f"{key}_objectives",
        )
        show_errors(errors, "objectives")
        audiences = st.multiselect(
            t("calendar.field.audiences"),
            sorted(set(data.audiences) | set(start.audiences)),
            default=list(start.audiences),
            accept_new_options=True,
            placeholder=t("calendar.choose_or_add"),
            key=f"{key}_audiences",
        )
        show_errors(errors, "audiences")
        left, right = st.columns(2)
        privacy = left.selectbox(
            t("calendar.field.privacy"),
            PRIVACIES,
            index=PRIVACIES.index(start.privacy) if start.privacy in PRIVACIES else 0,
            format_func=lambda p: t(f"calendar.privacy.{p}"),
            key=f"{key}_privacy",
        )
        kids = right.checkbox(
            t("calendar.made_for_kids"), value=start.made_for_kids, key=f"{key}_kids"
        )
        show_errors(errors, "privacy")
        show_errors(errors, "unit")
        show_errors(errors, "form")
        sent = st.form_submit_button(t("calendar.save"), type="primary")
    if not sent:
        return None
    form = ContentForm(
        kind=str(kind),
        title=title,
        message=message,
        link=link.strip(),
        media=media or "",
        thumbnail=thumbnail or "",
        tags=_split(tags),
        objectives=tuple(objectives),
        audiences=tuple(str(a).strip() for a in audiences if str(a).strip()),
        made_for_kids=bool(kids),
        privacy=str(privacy),
        title_en=start.title_en,
    )
    return Submitted(form, list(channels), at)


def _file_label(name: str) -> str:
    if not name:
        return t("calendar.no_file")
    return name.rsplit("/", 1)[-1]


def _default_day(data: CalendarData) -> date:
    today = datetime.now(data.campaign.zone).date()
    return min(max(today, data.campaign.starts), data.campaign.ends)


def create_section(data: CalendarData, who: Identity, campaign: str) -> None:
    """A new post or clip on the person's channels."""
    if not data.channels:
        st.info(t("calendar.no_channels"))
        return
    submitted = content_form("cal_new", data, None, "cal_new", with_slot=True)
    if submitted is None:
        return

    def write() -> None:
        with session() as s:
            create_item(s, who, campaign, submitted.form, submitted.channels, submitted.at)

    submit(write, t("calendar.done.create"), "cal_new")


def upload_section(who: Identity, campaign: str) -> None:
    suffixes = sorted(s.lstrip(".") for s in PHOTO_SUFFIXES | VIDEO_SUFFIXES)
    uploaded = st.file_uploader(t("calendar.upload"), type=suffixes, key="cal_upload_file")
    show_errors(field_errors("cal_upload"), "media")
    if uploaded is not None and st.button(t("calendar.upload_submit"), key="cal_upload"):
        name, content = uploaded.name, uploaded.getvalue()

        def write() -> None:
            with session() as s:
                upload_media(s, who, campaign, name, content)

        submit(write, t("calendar.done.upload", name=name), "cal_upload")


def import_section(who: Identity, campaign: str) -> None:
    """An officer's Excel/CSV plan; every bad row is listed with its column and message."""
    st.caption(t("calendar.import_help"))
    uploaded = st.file_uploader(
        t("calendar.import"), type=["xlsx", "xlsm", "csv"], key="cal_import_file"
    )
    problems = st.session_state.get("cal_import_problems")
    if problems:
        st.error(t("calendar.import_failed", n=len(problems)))
        st.dataframe(
            pd.DataFrame(
                problems,
                columns=[
                    t("calendar.col.row"),
                    t("calendar.col.column"),
                    t("calendar.col.message"),
                ],
            ),
            hide_index=True,
            key="cal_import_errors",
        )
    if uploaded is not None and st.button(t("calendar.import_submit"), key="cal_import"):
        run_import(who, campaign, uploaded.name, uploaded.getvalue())


def run_import(who: Identity, campaign: str, name: str, content: bytes) -> None:
    st.session_state.pop("cal_import_problems", None)
    try:
        with session() as s:
            report = import_plan(s, who, campaign, name, content)
    except ValidationFailed as exc:
        st.session_state["cal_import_problems"] = [
            (p.line or "", p.path, p.message) for p in exc.problems if p.severity == "error"
        ]
    except UserError as exc:
        notify("error", f"{t('calendar.refused')} {exc}")
    else:
        clear_caches()
        notify(
            "success",
            t(
                "calendar.done.import",
                rows=report.rows,
                created=report.created,
                same=report.unchanged,
            ),
        )
    st.rerun()


def list_table(data: CalendarData, zone: ZoneInfo) -> pd.DataFrame:
    """The plain list of every event (a table anyone can read, sort and export)."""
    states = {s: t(f"state.{s}") for s in {e.state for e in data.events}}
    kinds = {k: t(f"kind.{k}") for k in {e.kind for e in data.events}}
    columns = {
        "id": [e.id for e in data.events],
        t("calendar.col.when"): [
            e.start.astimezone(zone).replace(tzinfo=None) for e in data.events
        ],
        t("calendar.col.state"): [states[e.state] for e in data.events],
        t("calendar.col.channel"): [e.channel for e in data.events],
        t("calendar.col.kind"): [kinds[e.kind] for e in data.events],
        t("calendar.col.unit"): [e.unit or "" for e in data.events],
        t("calendar.col.title"): [e.title for e in data.events],
    }
    return pd.DataFrame(columns)


def bulk_approve(frame: pd.DataFrame, data: CalendarData, who: Identity, open_key: str) -> None:
    """The list with multi-row selection: the selected drafts approved in one go, or the one
    selected row opened."""
    event = st.dataframe(
        frame,
        hide_index=True,
        on_select="rerun",
        selection_mode="multi-row",
        key="cal_table",
        column_config={
            t("calendar.col.when"): st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")
        },
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    ids = [int(frame.iloc[r]["id"]) for r in rows if r < len(frame)]
    state = {e.id: e.state for e in data.events}
    drafts = [i for i in ids if state.get(i) == "draft"]  # the others have nothing to approve
    left, right = st.columns(2)
    label = t("calendar.approve_selected", n=len(drafts))
    if left.button(label, key="cal_approve_selected", disabled=not drafts):
        approve_ids(who, drafts)
    if len(ids) == 1:
        right.button(
            t("calendar.open_selected", id=ids[0]),
            key="cal_open_selected",
            on_click=lambda: st.session_state.update({open_key: ids[0]}),
        )


def approve_ids(who: Identity, ids: list[int]) -> None:
    attempt(
        lambda: publishing.approve(engine(), who, ids), t("calendar.done.approve_many", n=len(ids))
    )
    st.rerun()


def bulk_editor(data: CalendarData, who: Identity, zone: ZoneInfo) -> None:
    """Titles, texts and times of the items not yet in anyone's hands, edited in a table."""
    rows = [e for e in data.events if e.state in EDITABLE_STATES]
    if not rows:
        st.caption(t("calendar.nothing_to_edit"))
        return
    when, title, text = t("calendar.col.when"), t("calendar.col.title"), t("calendar.col.text")
    states = {s: t(f"state.{s}") for s in {e.state for e in rows}}
    original = pd.DataFrame(
        {
            "id": [e.id for e in rows],
            t("calendar.col.channel"): [e.channel for e in rows],
            t("calendar.col.state"): [states[e.state] for e in rows],
            when: [e.start.astimezone(zone).replace(tzinfo=None) for e in rows],
            title: [e.item_title for e in rows],
            text: [e.text for e in rows],
        }
    )
    edited = st.data_editor(
        original,
        hide_index=True,
        disabled=["id", t("calendar.col.channel"), t("calendar.col.state")],
        column_config={
            when: st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", step=300),
            text: st.column_config.TextColumn(width="large"),
        },
        key="cal_editor",
    )
    problems = st.session_state.get("cal_bulk_problems")
    if problems:
        st.error(t("calendar.bulk_failed", n=len(problems)))
        st.dataframe(
            pd.DataFrame(
                problems, columns=["id", t("calendar.col.column"), t("calendar.col.message")]
            ),
            hide_index=True,
            key="cal_bulk_errors",
        )
    if st.button(t("calendar.bulk_save"), key="cal_bulk_save"):
        changes = row_changes(original, edited, when, title, text, zone)
        run_bulk(who, changes)


def row_changes(
    original: pd.DataFrame,
    edited: pd.DataFrame,
    when: str,
    title: str,
    text: str,
    zone: ZoneInfo,
) -> list[RowChange]:
    out: list[RowChange] = []
    for (_, before), (_, after) in zip(original.iterrows(), edited.iterrows(), strict=False):
        new_title = str(after[title]) if after[title] != before[title] else None
        new_text = str(after[text]) if after[text] != before[text] else None
        moved: datetime | None = None
        if pd.Timestamp(after[when]) != pd.Timestamp(before[when]) and not pd.isna(after[when]):
            moved = pd.Timestamp(after[when]).to_pydatetime().replace(tzinfo=zone)
        if new_title is not None or new_text is not None or moved is not None:
            out.append(RowChange(int(before["id"]), new_title, new_text, moved))
    return out


def run_bulk(who: Identity, changes: list[RowChange]) -> None:
    st.session_state.pop("cal_bulk_problems", None)
    if not changes:
        notify("success", t("calendar.done.bulk", n=0))
        st.rerun()
    try:
        with session() as s:
            result = bulk_edit(s, who, changes)
    except BulkInvalid as exc:
        st.session_state["cal_bulk_problems"] = [
            (pid, e.field, e.message) for pid, errors in sorted(exc.rows.items()) for e in errors
        ]
    except UserError as exc:
        notify("error", f"{t('calendar.refused')} {exc}")
    else:
        clear_caches()
        notify("success", t("calendar.done.bulk", n=len(set(result.edited) | set(result.moved))))
    st.rerun()
