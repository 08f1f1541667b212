"""A report's web page printed to an A4 PDF by headless Chromium (Playwright), offline.

The page is opened from its file with every non-file request aborted, the PDF is printed once
every chart has drawn. Chromium is Debian's (`/usr/bin/chromium`, setting `LOA_CHROMIUM_PATH`);
when it is absent `chromium_missing` says so and the caller writes the other files.
"""

import shutil
from pathlib import Path
from typing import Any

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DRAW_TIMEOUT_MS = 60_000


def chromium_missing(chromium: str) -> str | None:
    """Why no PDF can be printed, or None when Chromium and Playwright are there."""
    if not (Path(chromium).is_file() or shutil.which(chromium)):
        return f"no Chromium at {chromium}: the PDF was not written (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: the PDF was not written"
    return None


def offline(route: Any) -> None:
    """Let file:// requests through, abort every other (the report must need no network)."""
    if route.request.url.startswith(("file:", "data:", "about:")):
        route.continue_()
    else:
        route.abort()


def write_pdf(html_path: Path, pdf_path: Path, figures: int, chromium: str) -> Path:
    """Print `html_path` to `pdf_path` once its `figures` charts have drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", offline)
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            if figures:
                page.wait_for_function(
                    "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                    arg=figures,
                    timeout=DRAW_TIMEOUT_MS,
                )
            page.emulate_media(media="print")
            page.pdf(
                path=str(pdf_path),
                format="A4",
                landscape=True,
                print_background=True,
                prefer_css_page_size=True,
            )
        finally:
            browser.close()
    return pdf_path
