"""Browser tests: the test app served by a real Werkzeug server, driven by
Debian's Chromium through Playwright.

Chromium is the system one (``which chromium``), never a browser downloaded by
``playwright install``. The machine may have no internet, so Chromium is told
not to reach out on its own (it would otherwise hang on refused connections).

Emails carry absolute links on ``PUBLIC_BASE_URL`` ("http://nebendesk.test" in
tests); ``live_server.link_in(message)`` rewrites them to the live server.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import link_in

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long a browser step may take: generous, since a step ends as soon as it is done
# and a loaded CI machine must not fail a working page.
TIMEOUT_MS = 30_000
PASSWORD = "demo-password-1"  # every factory-made account's password

expect.set_options(timeout=TIMEOUT_MS)


class LiveServer:
    """The session's ``app`` served over HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.errors: list[BaseException] = []
        got_request_exception.connect(self._record_error, app)

    def _record_error(self, sender: Flask, exception: BaseException, **extra: object) -> None:
        self.errors.append(exception)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        got_request_exception.disconnect(self._record_error, self.app)
        self.server.shutdown()
        self.thread.join(timeout=10)

    def public_to_live(self, url: str) -> str:
        """An absolute link from an email, pointed at this server instead of PUBLIC_BASE_URL."""
        public = self.app.config["PUBLIC_BASE_URL"].rstrip("/")
        assert url.startswith(public + "/"), f"{url!r} is not on PUBLIC_BASE_URL {public!r}"
        return self.url + url[len(public) :]

    def link_in(self, message) -> str:
        """The first link of an email, on the live server."""
        return self.public_to_live(link_in(message))


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(
    browser: Browser,
    live_server: LiveServer,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Callable[..., Page]]:
    """``new_page(locale="en-US")``: a page in a fresh browser context (its own cookies),
    as a separate person on a separate computer would have.

    After the test: a server error or an uncaught script error in any page fails
    it; on failure, each page's screenshot is kept in the test's tmp_path.
    """
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    script_errors: list[str] = []
    live_server.errors.clear()

    def _new_page(locale: str = "en-US") -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, timezone_id="Europe/Berlin"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        pages.append(page)
        return page

    yield _new_page

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for number, page in enumerate(pages):
            if not page.is_closed():
                shot = tmp_path / f"page-{number}.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"page {number} was at {page.url}; screenshot: {shot}")
    for context in contexts:
        context.close()
    server_errors = [repr(error) for error in live_server.errors]
    live_server.errors.clear()
    assert not server_errors, f"the server failed while the test ran: {server_errors}"
    assert not script_errors, f"scripts failed in the browser: {script_errors}"


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page in a fresh English-speaking browser context."""
    return new_page()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def log_in() -> Callable[..., None]:
    """``log_in(page, email)``: log in through the login form, as a person would."""

    def _log_in(page: Page, email: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return _log_in
