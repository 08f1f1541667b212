"""The web page opens in headless Chromium with the network blocked and draws every chart; the
PDF has one page per section, A4, with Vietnamese text intact."""

import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.reports import IsoWeek, build_final, build_weekly, write_report
from analytics_app.reports.content import Report
from analytics_app.reports.html import page_count
from analytics_app.reports.pdf import LAUNCH_ARGS
from tests.analytics_app.factories import local
from tests.analytics_app.reports.data import build

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium installed")


def open_offline(html: Path, shot: Path) -> tuple[int, list[int], list[str]]:
    """Plots, `.main-svg` per plot, and every non-file request (each aborted)."""
    from playwright.sync_api import Route, sync_playwright

    asked: list[str] = []

    def block(route: Route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            asked.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", block)
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            plots = page.locator(".js-plotly-plot").count()
            per_plot = page.evaluate(
                "() => [...document.querySelectorAll('.js-plotly-plot')]"
                ".map(p => p.querySelectorAll('.main-svg').length)"
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return plots, per_plot, asked


def pdf_pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout)
    assert size is not None
    assert sorted(round(float(v)) for v in size.groups()) == [595, 842]  # A4 in points
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = text.split("\f")
    if found and not found[-1].strip():
        found = found[:-1]
    assert len(found) == pages
    return found


def check(report: Report, out: Path, name: str) -> list[str]:
    written = write_report(report, out, chromium=CHROMIUM)
    assert written.skipped == []
    html, pdf = out / f"{report.stem}.html", out / f"{report.stem}.pdf"
    assert [p.name for p in written.files] == [
        f"{report.stem}.{x}" for x in ("xlsx", "html", "pdf")
    ]
    page = html.read_text(encoding="utf-8")
    assert page.count("<script") == 1 + len(report.charts)  # plotly.js once, then each figure
    assert not re.search(r"<script[^>]+src=", page)  # nothing fetched
    plots, per_plot, asked = open_offline(html, ARTIFACTS / f"{name}.png")
    assert plots == len(report.charts)
    assert all(n >= 1 for n in per_plot)
    assert asked == []  # it asked the network for nothing
    pages = pdf_pages(pdf)
    assert len(pages) == page_count(report)
    # Each section opens its own page, in order, its title first.
    titles = [s.title for s in report.in_page]
    for text, title in zip(pages[1:], titles, strict=True):
        assert text.strip().startswith(title), (title, text[:80])
    return pages


def test_weekly_page_draws_every_chart_offline_and_prints(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_weekly(s, "hand", now=local(1, 12, 9), week=IsoWeek.parse("2025-W47"))
    pages = check(report, tmp_path, "report-weekly-vi")
    cover = pages[0]
    assert "Báo cáo tuần 2025-W47" in cover  # precomposed Vietnamese, not boxes or splits
    assert "Số liệu tính đến" in cover
    assert "Kênh fb1 im lặng" in cover


def test_one_units_weekly_report_has_one_page_per_section(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_weekly(
            s, "hand", now=local(1, 12, 9), week=IsoWeek.parse("2025-W47"), unit="u1", lang="en"
        )
    pages = check(report, tmp_path, "report-weekly-u1-en")
    assert "Scope u1 — u1" in " ".join(pages[0].split())


def test_final_page_in_english_with_the_narrative(sqlite_engine: Engine, tmp_path: Path) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_final(s, "hand", now=local(16, 12, 9), lang="en")
    pages = check(report, tmp_path, "report-final-en")
    cover = " ".join(pages[0].split())
    assert "Final report" in cover
    assert "During the Action Month (15/11/2025 to 14/12/2025)" in cover
    assert "Trong Tháng hành động" in cover  # the Vietnamese narrative beside the English
