"""The weekly and final reports written under `LOA_HOME/reports/`, listed for download."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
