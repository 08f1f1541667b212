"""Writes one report as its three files: `<stem>.xlsx`, `<stem>.html` and `<stem>.pdf`."""

from dataclasses import dataclass, field
from pathlib import Path

from analytics_app.reports.content import Report
from analytics_app.reports.html import write_html
from analytics_app.reports.pdf import chromium_missing, write_pdf
from analytics_app.reports.xlsx import write_xlsx
from campaigns.errors import UserError


@dataclass
class Written:
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what was not written, and why


def write_report(report: Report, out: Path, *, chromium: str = "/usr/bin/chromium") -> Written:
    """The workbook, the page, and the PDF when Chromium is there (else says why not)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write into {out}: {exc.strerror}") from None
    done = Written()
    done.files.append(write_xlsx(report, out / f"{report.stem}.xlsx"))
    page = write_html(report, out / f"{report.stem}.html")
    done.files.append(page)
    why = chromium_missing(chromium)
    if why is not None:
        done.skipped.append(why)
    else:
        target = out / f"{report.stem}.pdf"
        try:
            done.files.append(write_pdf(page, target, len(report.charts), chromium))
        except Exception as exc:  # a browser that fails must not cost the other two files
            target.unlink(missing_ok=True)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            done.skipped.append(f"the PDF could not be printed with {chromium}: {first}")
    return done
