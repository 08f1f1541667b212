"""Importing a campaign file: validate first, then upsert everything in one transaction.

Rows are matched by the file's stable keys, so importing the same file again changes nothing
(no row written, no `updated_at` moved) and an edited file updates in place. A slot that left
the file cancels its publication if nothing has happened to it yet; published history is never
deleted or changed.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from campaigns.access import Action, Forbidden, Identity, require
from campaigns.errors import Problem
from campaigns.loader import CampaignDocument, load_campaign
from campaigns.models import (
    AuditLog,
    Campaign,
    Channel,
    ContentItem,
    Kpi,
    Objective,
    PlanRule,
    Publication,
    PublicationState,
    Unit,
)
from campaigns.outbox import (
    SHEET_CONTENT_PREFIX,
    SHEET_PLAN_PREFIX,
    cancel_values,
    dedupe_key,
    initial_state,
    new_publication,
)
from campaigns.plans import Slot, expand
from campaigns.rollup_version import bump
from campaigns.timeutil import utcnow

# Set on publications the importer cancels, so a slot that comes back revives its own row.
REMOVED_FROM_PLAN = "removed_from_plan"
# Not yet in anyone's hands: the importer may cancel these when their slot leaves the file.
CANCELLABLE_BY_IMPORT = frozenset(
    {
        PublicationState.DRAFT,
        PublicationState.APPROVED,
        PublicationState.QUEUED,
        PublicationState.RETRY_WAIT,
    }
)
TABLES = ("campaign", "unit", "objective", "kpi", "channel", "content", "plan", "publication")


@dataclass
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.cancelled or self.deleted)

    def __str__(self) -> str:
        parts = [f"{self.created} created", f"{self.updated} updated"]
        parts.append(f"{self.unchanged} unchanged")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled")
        if self.deleted:
            parts.append(f"{self.deleted} deleted")
        return ", ".join(parts)


@dataclass
class ImportReport:
    campaign_key: str
    campaign_id: int
    counts: dict[str, TableCounts] = field(
        default_factory=lambda: {name: TableCounts() for name in TABLES}
    )
    warnings: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts.values())

    def lines(self) -> list[str]:
        """The report as an officer reads it."""
        if not self.changed:
            return [f"campaign {self.campaign_key}: unchanged"]
        out = [f"campaign {self.campaign_key}: imported"]
        out += [f"  {name}: {counts}" for name, counts in self.counts.items()]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _sync(row: SQLModel, values: dict[str, Any]) -> bool:
    """Assign only the values that differ, so an unchanged row is never written."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


M = TypeVar("M", bound=SQLModel)
K = TypeVar("K", bound=Hashable)


def _upsert(
    session: Session,
    rows: dict[K, M],
    key: K,
    values: dict[str, Any],
    counts: TableCounts,
    make: Callable[..., M],
) -> M:
    """The row of `key`: created from `values` (`make(**values)`) or brought up to date."""
    row = rows.get(key)
    if row is None:
        row = make(**values)
        session.add(row)
        rows[key] = row
        counts.created += 1
    elif _sync(row, values):
        counts.updated += 1
    else:
        counts.unchanged += 1
    return row


def import_campaign(
    session: Session,
    path: Path,
    *,
    commit: bool = True,
    display: str | None = None,
    actor: str = "import",
    min_gap_minutes: int | None = None,
    identity: Identity | None = None,
) -> ImportReport:
    """Validate `path` and write it, all or nothing; returns what was created/updated/cancelled.

    Raises ValidationFailed (nothing written) when the file has errors. With `commit=False` the
    caller's transaction decides; on any failure the session is rolled back.

    `identity` is who imports: a campaign file changes every unit, so it must be someone who
    plans for every unit; `approval: auto` approves new and changed slots only when that person
    may approve them (None: nobody approves, every new or changed slot waits as a draft).
    """
    if identity is not None:
        require(identity, Action.PLAN)
        if identity.units is not None:
            raise Forbidden(
                f"{identity.username} works for unit '{identity.unit_key}': a campaign file "
                "changes every unit; import your unit's Excel plan (`loa calendar import`) "
                "or ask a manager for every unit"
            )
        actor = identity.label
    doc = load_campaign(path, display=display, min_gap_minutes=min_gap_minutes)
    try:
        report = _Importer(session, doc, identity).run()
        if report.changed:
            # Publications or their items may have changed segment: segment rollup is stale.
            bump(session.connection(), [report.campaign_id])
            session.add(
                AuditLog(
                    actor=actor,
                    action="import",
                    entity="campaign",
                    entity_id=doc.campaign.key,
                    detail={n: vars(c) for n, c in report.counts.items() if c.changed},
                )
            )
        if commit:
            session.commit()
        else:
            session.flush()
    except BaseException:
        session.rollback()
        raise
    return report


class _Importer:
    def __init__(
        self, session: Session, doc: CampaignDocument, identity: Identity | None = None
    ) -> None:
        self.s = session
        self.doc = doc
        self.identity = identity
        self.now = utcnow()
        self.warnings: list[Problem] = list(doc.warnings)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(self.doc.display, None, path, message, "warning"))

    def run(self) -> ImportReport:
        campaign, created = self._campaign()
        assert campaign.id is not None
        report = ImportReport(self.doc.campaign.key, campaign.id)
        report.counts["campaign"] = TableCounts(
            created=int(created == "created"),
            updated=int(created == "updated"),
            unchanged=int(created == "unchanged"),
        )
        units = self._units(campaign, report.counts["unit"])
        self._objectives(campaign, report.counts["objective"], report.counts["kpi"])
        channels = self._channels(campaign, units, report.counts["channel"])
        content = self._content(campaign, units, report.counts["content"])
        self._plans(campaign, report.counts["plan"])
        self._publications(campaign, channels, content, report.counts["publication"])
        self._prune(campaign, units, channels, content, report.counts)
        if any(c.changed for name, c in report.counts.items() if name != "campaign"):
            if created == "unchanged":
                report.counts["campaign"] = TableCounts(updated=1)
            campaign.updated_at = self.now
        report.warnings = self.warnings
        return report

    def _campaign(self) -> tuple[Campaign, str]:
        info = self.doc.campaign
        values: dict[str, Any] = {
            "name": info.name,
            "name_en": info.name_en,
            "theme": info.theme,
            "theme_en": info.theme_en,
            "starts": info.starts,
            "ends": info.ends,
            "timezone": info.timezone,
            "report_due": info.report_due,
            "approval": info.approval,
            "hashtags": list(info.hashtags),
            "source_file": self.doc.path.resolve().as_posix(),
            "source_hash": self.doc.source_hash,
        }
        row = self.s.exec(select(Campaign).where(Campaign.key == info.key)).first()
        if row is None:
            row = Campaign(key=info.key, created_at=self.now, updated_at=self.now, **values)
            self.s.add(row)
            self.s.flush()
            return row, "created"
        if _sync(row, values):
            row.updated_at = self.now
            return row, "updated"
        return row, "unchanged"

    def _units(self, campaign: Campaign, counts: TableCounts) -> dict[str, Unit]:
        rows = {u.key: u for u in self.s.exec(select(Unit).where(Unit.campaign_id == campaign.id))}
        for unit in self.doc.units:
            values: dict[str, Any] = {"name": unit.name, "kind": unit.kind}
            assert campaign.id is not None
            make = partial(Unit, campaign_id=campaign.id, key=unit.key)
            _upsert(self.s, rows, unit.key, values, counts, make)
        self.s.flush()
        return rows

    def _objectives(self, campaign: Campaign, counts: TableCounts, kpi_counts: TableCounts) -> None:
        assert campaign.id is not None
        rows = {
            o.key: o
            for o in self.s.exec(select(Objective).where(Objective.campaign_id == campaign.id))
        }
        kpis: dict[tuple[int, str], Kpi] = {
            (k.objective_id, k.key): k
            for k in self.s.exec(select(Kpi).where(Kpi.campaign_id == campaign.id))
        }
        wanted_kpis: set[tuple[int, str]] = set()
        for position, obj in enumerate(self.doc.objectives):
            values: dict[str, Any] = {
                "title": obj.title,
                "title_en": obj.title_en,
                "position": position,
            }
            make = partial(Objective, campaign_id=campaign.id, key=obj.key)
            row = _upsert(self.s, rows, obj.key, values, counts, make)
            if row.id is None:
                self.s.flush()  # its KPIs need the id
            assert row.id is not None
            for kpi_position, kpi in enumerate(obj.kpis):
                kpi_values: dict[str, Any] = {
                    "metric": kpi.metric,
                    "target": kpi.target,
                    "platforms": list(kpi.platforms),
                    "units": list(kpi.units),
                    "content_kinds": list(kpi.content_kinds),
                    "audiences": list(kpi.audiences),
                    "pacing": kpi.pacing,
                    "position": kpi_position,
                }
                wanted_kpis.add((row.id, kpi.key))
                make_kpi = partial(Kpi, campaign_id=campaign.id, objective_id=row.id, key=kpi.key)
                _upsert(self.s, kpis, (row.id, kpi.key), kpi_values, kpi_counts, make_kpi)
        # Objectives and KPIs hold no history: those gone from the file go from the database.
        for ident, kpi_row in kpis.items():
            if ident not in wanted_kpis:
                self.s.delete(kpi_row)
                kpi_counts.deleted += 1
        self.s.flush()
        keep = {o.key for o in self.doc.objectives}
        for key, row in rows.items():
            if key not in keep:
                self.s.delete(row)
                counts.deleted += 1
        self.s.flush()

    def _channels(
        self, campaign: Campaign, units: dict[str, Unit], counts: TableCounts
    ) -> dict[str, Channel]:
        assert campaign.id is not None
        rows = {
            c.key: c for c in self.s.exec(select(Channel).where(Channel.campaign_id == campaign.id))
        }
        for ch in self.doc.channels:
            values: dict[str, Any] = {
                "platform": ch.platform,
                "external_id": ch.external_id,
                "name": ch.name,
                "unit_id": units[ch.unit].id if ch.unit else None,
                "native_handoff": ch.native_handoff,
                "playlist_id": ch.playlist_id,
            }
            make = partial(Channel, campaign_id=campaign.id, key=ch.key)
            _upsert(self.s, rows, ch.key, values, counts, make)
        self.s.flush()
        return rows

    def _content(
        self, campaign: Campaign, units: dict[str, Unit], counts: TableCounts
    ) -> dict[str, ContentItem]:
        assert campaign.id is not None
        rows = {
            c.key: c
            for c in self.s.exec(select(ContentItem).where(ContentItem.campaign_id == campaign.id))
        }
        for item in self.doc.content:
            values: dict[str, Any] = {
                "kind": item.kind,
                "unit_id": units[item.unit].id if item.unit else None,
                "title": item.title,
                "title_en": item.title_en,
                "message": item.message,
                "description": item.description,
                "link": item.link,
                "media_path": item.media_path.resolve().as_posix() if item.media_path else "",
                "thumbnail_path": (
                    item.thumbnail_path.resolve().as_posix() if item.thumbnail_path else ""
                ),
                "tags": list(item.tags),
                "objectives": list(item.objectives),
                "audiences": list(item.audiences),
                "made_for_kids": item.made_for_kids,
                "privacy": item.privacy,
                "extra": {"format": item.format} if item.format != "video" else {},
                "content_hash": item.content_hash(),
            }
            make = partial(ContentItem, campaign_id=campaign.id, key=item.key)
            _upsert(self.s, rows, item.key, values, counts, make)
        self.s.flush()
        return rows

    def _plans(self, campaign: Campaign, counts: TableCounts) -> None:
        assert campaign.id is not None
        rows = {
            p.key: p
            for p in self.s.exec(select(PlanRule).where(PlanRule.campaign_id == campaign.id))
        }
        for plan in self.doc.plans:
            values: dict[str, Any] = {
                "kind": plan.kind,
                "position": plan.index,
                "spec": plan.spec(),
            }
            make = partial(PlanRule, campaign_id=campaign.id, key=plan.key)
            _upsert(self.s, rows, plan.key, values, counts, make)
        keep = {p.key for p in self.doc.plans}
        for key, row in rows.items():
            if key not in keep:
                self.s.delete(row)
                counts.deleted += 1
        self.s.flush()

    def _publications(
        self,
        campaign: Campaign,
        channels: dict[str, Channel],
        content: dict[str, ContentItem],
        counts: TableCounts,
    ) -> None:
        rows = {
            p.dedupe_key: p
            for p in self.s.exec(select(Publication).where(Publication.campaign_id == campaign.id))
            if not p.plan_key.startswith(SHEET_PLAN_PREFIX)  # an officer's sheet owns those
        }
        # `approval: auto` is an approval only by someone who may approve (every unit: checked
        # in import_campaign); otherwise new and changed slots wait as drafts.
        approver = (
            self.identity.label
            if campaign.approval == "auto"
            and self.identity is not None
            and self.identity.can(Action.APPROVE)
            else None
        )
        if campaign.approval == "auto" and approver is None:
            self.warn(
                "campaign.approval",
                "approval: auto applies only to an import by a manager or admin: "
                "new and changed slots wait as drafts",
            )
        wanted: dict[str, Slot] = {}
        for slot in expand(self.doc):
            wanted[dedupe_key(campaign.key, slot.content, slot.channel, slot.at)] = slot
        for key, slot in wanted.items():
            pub = rows.get(key)
            if pub is None:
                pub = new_publication(
                    campaign,
                    content[slot.content],
                    channels[slot.channel],
                    slot.at,
                    slot.plan_key,
                    approver,
                )
                pub.created_at = pub.updated_at = self.now
                self.s.add(pub)
                counts.created += 1
                continue
            values: dict[str, Any] = {}
            if pub.state == PublicationState.CANCELLED and pub.last_error_code == REMOVED_FROM_PLAN:
                # The slot came back after an import had cancelled it: revive the same row.
                values = {
                    "state": initial_state(campaign, approver),
                    "last_error_code": "",
                    "last_error": "",
                }
            if pub.state not in CANCELLABLE_BY_IMPORT and not values:
                counts.unchanged += 1
                continue
            values["plan_key"] = slot.plan_key
            item = content[slot.content]
            if pub.content_hash != item.content_hash:
                values["content_hash"] = item.content_hash
                if pub.state != PublicationState.DRAFT and approver:
                    # approval: auto, imported by someone who may approve: approved again, by
                    # them, for what will now go out.
                    values.update(approved_by=approver, approved_at=self.now)
                    self.warn(
                        "content",
                        f"publication {pub.id} ({slot.content}) changed after approval: "
                        f"approved again by {approver} (approval: auto)",
                    )
                elif pub.state != PublicationState.DRAFT:
                    # What a manager approved is not what would go out: ask again.
                    values.update(state=PublicationState.DRAFT, approved_by="", approved_at=None)
                    self.warn(
                        "content",
                        f"publication {pub.id} ({slot.content}) changed after approval: "
                        "back to draft for approval",
                    )
            if _sync(pub, values):
                pub.updated_at = self.now
                counts.updated += 1
            else:
                counts.unchanged += 1
        for key, pub in sorted(rows.items(), key=lambda kv: kv[1].id or 0):
            if key in wanted:
                continue
            label = f"publication {pub.id} ({key.split('|', 1)[1]})"
            if pub.state in CANCELLABLE_BY_IMPORT:
                values = cancel_values(self.s, pub, self.now)
                if values["state"] == PublicationState.CANCELLED:
                    values.update(
                        last_error_code=REMOVED_FROM_PLAN,
                        last_error="its slot is no longer in the campaign file",
                    )
                    self.warn("plans", f"{label} is no longer planned: cancelled")
                else:  # its last attempt may have put it live: the scheduler checks first
                    self.warn(
                        "plans",
                        f"{label} is no longer planned: cancelled once the platform confirms "
                        "its last attempt did not publish it",
                    )
                for name, value in values.items():
                    setattr(pub, name, value)
                pub.updated_at = self.now
                counts.cancelled += 1
            elif pub.state in (
                PublicationState.CLAIMED,
                PublicationState.HANDED_OFF,
                PublicationState.NEEDS_REVIEW,
            ):
                self.warn(
                    "plans",
                    f"{label} is no longer planned but is {pub.state}; "
                    f"`loa cancel {pub.id}` withdraws it",
                )
        self.s.flush()

    def _prune(
        self,
        campaign: Campaign,
        units: dict[str, Unit],
        channels: dict[str, Channel],
        content: dict[str, ContentItem],
        counts: dict[str, TableCounts],
    ) -> None:
        """Rows gone from the file: deleted when nothing refers to them, else kept for history."""
        used_channels = set(self.s.exec(select(Publication.channel_id).distinct()).all())
        used_content = set(self.s.exec(select(Publication.content_id).distinct()).all())
        keep_channels = {c.key for c in self.doc.channels}
        keep_content = {c.key for c in self.doc.content}
        for key, ch in channels.items():
            if key in keep_channels:
                continue
            if ch.id in used_channels:
                self.warn(
                    "channels", f"channel '{key}' is no longer in the file; kept for its history"
                )
            else:
                self.s.delete(ch)
                counts["channel"].deleted += 1
        for key, item in content.items():
            if key in keep_content or key.startswith(SHEET_CONTENT_PREFIX):
                continue
            if item.id in used_content:
                self.warn(
                    "content", f"content '{key}' is no longer in the file; kept for its history"
                )
            else:
                self.s.delete(item)
                counts["content"].deleted += 1
        self.s.flush()
        keep_units = {u.key for u in self.doc.units}
        referenced = set(
            self.s.exec(
                select(Channel.unit_id).where(
                    Channel.campaign_id == campaign.id, col(Channel.unit_id).is_not(None)
                )
            ).all()
        ) | set(
            self.s.exec(
                select(ContentItem.unit_id).where(
                    ContentItem.campaign_id == campaign.id, col(ContentItem.unit_id).is_not(None)
                )
            ).all()
        )
        for key, unit in units.items():
            if key in keep_units:
                continue
            if unit.id in referenced:
                self.warn("units", f"unit '{key}' is no longer in the file; kept, still referenced")
            else:
                self.s.delete(unit)
                counts["unit"].deleted += 1
        self.s.flush()
