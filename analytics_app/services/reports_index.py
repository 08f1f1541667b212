"""The weekly and final reports written under `LOA_HOME/reports/`, listed for download."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from analytics_app.reports.naming import covered_unit
from campaigns.access import Action, Identity
from campaigns.settings import get_settings

KINDS = {".pdf": "PDF", ".xlsx": "Excel", ".html": "HTML", ".csv": "CSV", ".png": "PNG"}


@dataclass(frozen=True)
class ReportFile:
    path: Path
    name: str  # relative to the reports folder
    kind: str
    size: int
    modified: datetime


def reports_dir() -> Path:
    return get_settings().home / "reports"


def list_reports(root: Path | None = None) -> list[ReportFile]:
    """Every report file under the folder, newest first; nothing when there is no folder."""
    folder = root or reports_dir()
    if not folder.is_dir():
        return []
    files = []
    for path in folder.rglob("*"):
        if not path.is_file() or path.suffix.lower() not in KINDS or path.is_symlink():
            continue
        stat = path.stat()
        files.append(
            ReportFile(
                path=path,
                name=path.relative_to(folder).as_posix(),
                kind=KINDS[path.suffix.lower()],
                size=stat.st_size,
                modified=datetime.fromtimestamp(stat.st_mtime, UTC),
            )
        )
    return sorted(files, key=lambda f: (f.modified, f.name), reverse=True)


def report_unit(file: ReportFile) -> str | None:
    """The unit a report file covers; None for the whole campaign, or a name Loa did not give
    (then only people who see every unit get it)."""
    return covered_unit(file.path.stem)


def visible_reports(identity: Identity, root: Path | None = None) -> list[ReportFile]:
    """The report files `identity` may read: of their unit, or all of them for people who see
    every unit (the policy of `Action.VIEW`: dashboards and reports of a unit)."""
    if not identity.can(Action.VIEW):
        return []
    return [f for f in list_reports(root) if identity.sees(report_unit(f))]
