"""The app in a real browser: `streamlit run` on a free loopback port against demo data, driven
by Debian's headless Chromium with Playwright. Signs in as a manager, opens every page, changes a
filter, drills down from Units, signs out; approves a draft from the Calendar (FullCalendar, in
its iframe); fails on any exception a page shows or any script dialog (user text must never
run). Screenshots go to tests/artifacts/; the Overview's and the Calendar's are copied to
docs/screenshots/ for the README."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from analytics_app.services.calendar import COLOURS, Group
from campaigns.db import make_engine
from scheduler.cli.dashboard_cmd import streamlit_command
from tests.analytics_app.browser_data import DRAFT_TITLE, MANAGER, PASSWORD, XSS, build
from tests.conftest import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = REPO / "docs" / "screenshots"
AS_OF_DAY = "2025-12-01"  # mid-campaign: pacing and projections have something to say
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
PAGES = [  # (menu label, file stem, what the page must show)
    ("Xu hướng", "trends", "Xu hướng"),
    ("Nội dung", "content", "Tốt nhất"),
    ("Khán giả", "audience", "Ai đang xem"),
    ("Đơn vị", "units", "Toàn quốc"),
    ("Lịch đăng", "calendar", None),
    ("Vận hành", "health", "Hàng đợi theo trạng thái"),
    ("Báo cáo", "reports", "Báo cáo"),
]

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is not installed at /usr/bin/chromium (`make test` installs it)",
        allow_module_level=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served from a fresh demo database; its URL."""
    home = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{home / 'loa.db'}"
    engine = make_engine(url)
    build(engine)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "LOA_DATABASE_URL": url, "LOA_HOME": str(home)}
    log = (home / "streamlit.log").open("w")
    process = subprocess.Popen(
        streamlit_command(port, "127.0.0.1"), env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((home / "streamlit.log").read_text())
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def settle(page: "Page") -> None:
    """Wait until Streamlit has finished the run a click started, and charts are drawn."""
    page.wait_for_timeout(400)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)


def no_exception(page: "Page", where: str) -> None:
    shown = page.locator("[data-testid=stException]")
    assert shown.count() == 0, f"{where}: {shown.first.inner_text()}"


def rgb(hex_colour: str) -> str:
    """`#1e6fd9` as the browser's computed style writes it."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def open_signed_in(browser: "Browser", url: str, dialogs: list[str]) -> "Page":
    """A page signed in as the manager at `url`; script dialogs are refused and recorded."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    settle(page)
    page.get_by_label("Tên đăng nhập").fill(MANAGER)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    settle(page)
    no_exception(page, "sign-in")
    return page


def test_manager_approves_a_draft_from_the_calendar(server: str) -> None:
    """Open the draft from FullCalendar, approve it in the drawer, see its state and its
    colour change; the calendar's screenshot goes to docs/screenshots/."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = open_signed_in(browser, f"{server}/?to={AS_OF_DAY}", dialogs)
        page.locator("[data-testid=stSidebarNavLink]").filter(has_text="Lịch đăng").click()
        settle(page)
        no_exception(page, "calendar")
        calendar = page.frame_locator("iframe[title*=calendar]")
        event = calendar.locator(".fc-event").filter(has_text=DRAFT_TITLE)
        event.wait_for(timeout=30_000)
        assert event.evaluate("e => getComputedStyle(e).backgroundColor") == rgb(
            COLOURS[Group.DRAFT][0]
        )
        event.click()
        settle(page)
        drawer = page.get_by_role("dialog")
        drawer.wait_for(timeout=30_000)
        no_exception(page, "calendar, the draft opened")
        assert drawer.get_by_text(DRAFT_TITLE).count()
        assert drawer.locator("strong", has_text="Nháp").count() == 1  # its state, in bold
        drawer.get_by_role("button", name="Duyệt", exact=True).click()
        settle(page)
        # On a busy machine the run the click starts may begin after `settle` looked: the
        # drawer's new state is waited for, not read once.
        expect(drawer.locator("strong", has_text="Đã duyệt")).to_have_count(1, timeout=30_000)
        no_exception(page, "calendar, approved")
        expect(drawer.get_by_text("Đã duyệt.")).not_to_have_count(0)  # the notice of what was done
        expect(drawer.get_by_role("button", name="Duyệt", exact=True)).to_have_count(0)
        drawer.get_by_role("button", name="Đóng").first.click()
        settle(page)
        assert page.get_by_role("dialog").count() == 0
        event = calendar.locator(".fc-event").filter(has_text=DRAFT_TITLE)
        event.wait_for(timeout=30_000)
        assert event.evaluate("e => getComputedStyle(e).backgroundColor") == rgb(
            COLOURS[Group.APPROVED][0]
        )
        page.set_viewport_size({"width": 1440, "height": 1100})
        settle(page)
        no_exception(page, "calendar, closed")
        page.screenshot(path=str(ARTIFACTS / "calendar.png"))
        shutil.copyfile(ARTIFACTS / "calendar.png", SCREENSHOTS / "calendar.png")
        browser.close()
    assert dialogs == []


def test_manager_signs_in_and_opens_every_page(server: str) -> None:
    from playwright.sync_api import Dialog, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")

        def refuse(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", refuse)
        page.goto(f"{server}/?to={AS_OF_DAY}")  # a link to the view of 1 December
        settle(page)
        page.get_by_label("Tên đăng nhập").fill(MANAGER)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        settle(page)
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
        settle(page)
        no_exception(page, "overview")
        assert page.get_by_text("Tăng cường phối hợp giữa các bộ, ngành, địa phương").count()
        page.set_viewport_size({"width": 1440, "height": 2300})
        settle(page)
        page.screenshot(path=str(ARTIFACTS / "overview.png"))
        page.set_viewport_size({"width": 1440, "height": 1000})
        shutil.copyfile(ARTIFACTS / "overview.png", SCREENSHOTS / "overview.png")

        # A filter: Facebook only; it goes into the URL, so the link can be sent.
        page.locator("[data-testid=stSelectbox]").filter(has_text="Nền tảng").click()
        page.get_by_role("option", name="Facebook").click()
        settle(page)
        no_exception(page, "overview, Facebook only")
        assert "platform=facebook" in page.url

        for label, stem, expected in PAGES:
            page.locator("[data-testid=stSidebarNavLink]").filter(has_text=label).click()
            settle(page)
            no_exception(page, stem)
            if expected:
                assert page.get_by_text(expected).count(), stem
            assert "platform=facebook" in page.url, f"{stem}: the filter was dropped"
            page.screenshot(path=str(ARTIFACTS / f"{stem}.png"))
            if stem == "content":
                # Markup in a post's title is shown as its characters, never as an element.
                assert page.get_by_text(XSS).count() >= 1
                assert page.locator("img[src=x]").count() == 0

        # Drill down from the roll-up to one unit's own overview.
        page.locator("[data-testid=stSidebarNavLink]").filter(has_text="Đơn vị").click()
        settle(page)
        page.get_by_role("button", name="Mở").click()
        settle(page)
        no_exception(page, "drill-down")
        assert "unit=unit-00" in page.url
        page.screenshot(path=str(ARTIFACTS / "overview-unit.png"))

        page.get_by_role("button", name="Đăng xuất").click()
        # The sign-in form comes back once the rerun the click started has drawn it (the run
        # may not have begun when the page last looked idle).
        page.get_by_role("button", name="Đăng nhập").wait_for(timeout=60_000)
        browser.close()
    assert dialogs == []


def test_english_chosen_once_stays_on_every_page(server: str) -> None:
    """The language switch is remembered: English stays English from page to page, on a
    phone-sized screen too."""
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{server}/?lang=en")  # a link that asks for English
        settle(page)
        page.locator("input[type=text]").first.fill(MANAGER)
        page.locator("input[type=password]").first.fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        settle(page)
        links = page.locator("[data-testid=stSidebarNavLink]")
        titles = []
        for i in range(links.count()):
            links.nth(i).click()
            settle(page)
            no_exception(page, f"page {i} in English")
            titles.append(page.locator("h1").first.inner_text())
        page.set_viewport_size({"width": 390, "height": 900})
        settle(page)
        page.screenshot(path=str(ARTIFACTS / "phone-en.png"), full_page=True)
        browser.close()
    assert titles[:3] == ["Objectives at a glance", "Trends", "Content"]
    assert dialogs == []
