"""The pages in a real browser: Debian's chromium driven by Playwright (no browser download),
the app served by a thread on a free port, axe-core (vendored from npm) run on every page.

A failed test leaves a screenshot of the page in its pytest tmp dir.
"""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

playwright = pytest.importorskip("playwright.sync_api")

AXE = Path(__file__).with_name("axe.min.js")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium for the whole run."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_url(app, passwords):
    """The app (scratch territory, every user with a password) served on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item (for the screenshot on failure)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(chromium, live_url, request, tmp_path):
    """A fresh browser page (French, 1280×900); a screenshot is saved if the test fails."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                   accept_downloads=True, base_url=live_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failure: {shot}")
    context.close()


def accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def check_accessibility(page) -> None:
    """Fails when axe-core finds a serious or critical violation on the page."""
    violations = accessibility_violations(page)
    assert not violations, f"{page.url}: " + "\n".join(violations)


def sign_in(page, login: str, password: str) -> None:
    """Signs in through the form."""
    page.goto("/connexion")
    check_accessibility(page)
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
