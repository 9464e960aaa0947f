"""Browser tests: real Chromium (Debian's build) driven by Playwright, axe-core on
every page, against pytest-django's live server.

The live server runs in a thread of this process, so tests/conftest.py's eager
Celery applies there too: a task enqueued on commit runs inside the request that
enqueued it. Tests that need to watch the checks arrive hold the task back
(`held_verification`) and play the worker themselves.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import skip_or_fail

# Playwright's sync API keeps an event loop in the main thread, so Django would
# refuse every ORM call made by a test (and by pytest-django's flush) with
# SynchronousOnlyOperation. These tests are synchronous; nothing runs concurrently.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
PASSWORD = "correct-horse-9"  # tests/factories.UserFactory's password


@pytest.fixture(scope="session", autouse=True)
def _browser_tools_present():
    """Skip (fail in CI) with the reason when Chromium or axe-core is missing."""
    if not CHROMIUM.exists():
        skip_or_fail(
            f"needs Chromium at {CHROMIUM}: "
            "apt-get install -y --no-install-recommends chromium"
        )
    if not AXE.exists():
        skip_or_fail(f"needs axe-core at {AXE}: run `npm ci` (package.json pins it)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _short_timeouts(page):
    # A missing button fails in 10 s, not Playwright's default 30 s.
    page.set_default_timeout(10_000)


@pytest.fixture
def base(live_server) -> str:
    """The live server's address, without a trailing slash."""
    return live_server.url.rstrip("/")


# --- Console: Content Security Policy violations and uncaught errors ------------

CSP_WORDS = re.compile(r"Content Security Policy|Content-Security-Policy", re.I)


@dataclass
class ConsoleLog:
    messages: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    pages_without_policy: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if CSP_WORDS.search(m)]

    def assert_clean(self) -> None:
        """No CSP violation reported and no uncaught script error on any page."""
        problems = (
            [f"CSP: {m}" for m in self.csp_violations()]
            + [f"script error: {e}" for e in self.page_errors]
            + [f"no Content-Security-Policy: {u}" for u in self.pages_without_policy]
        )
        assert not problems, "The browser console reported:\n" + "\n".join(problems)


@pytest.fixture
def console(page, live_server) -> ConsoleLog:
    """What the browser reports for every page visited: errors and warnings logged,
    uncaught script errors, and pages served without a Content Security Policy."""
    log = ConsoleLog()

    def record(message) -> None:
        if message.type in ("error", "warning"):
            # Chromium's CSP reports run to 400 characters; the first sentence says
            # which directive refused what.
            text = message.text.split(". Either")[0]
            log.messages.append(f"{message.type}: {text} (on {page.url})")

    page.on("console", record)
    page.on("pageerror", lambda error: log.page_errors.append(f"{error} ({page.url})"))

    def check_policy(response) -> None:
        # Every page we serve (not the browser's own error pages) carries the policy.
        if (
            response.request.resource_type == "document"
            and response.url.startswith(live_server.url)
            and "content-security-policy" not in response.headers
        ):
            log.pages_without_policy.append(f"{response.status} {response.url}")

    page.on("response", check_policy)
    return log


# --- axe-core -------------------------------------------------------------------


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page as it is now."""
    # The page's own policy refuses an inline <script>, so axe-core is served as if
    # it were one of our static files (same origin), and the policy stays enforced.
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    url = f"{origin}/__axe-core__/axe.min.js"
    page.unroute(url)
    page.route(
        url,
        lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
    )
    page.add_script_tag(url=url)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return result["violations"]


def describe(violations: list[dict], where: str) -> list[str]:
    """axe-core's findings as lines a person can act on: rule, help, elements."""
    lines = [f"{len(violations)} violation(s) on {where}"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation.get('impact')}]: {violation['help']}"
            f" ({violation['helpUrl'].split('?')[0]})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node['html'][:200]}")
            summary = node.get("failureSummary")
            if summary:
                lines.append("      " + summary.replace("\n", "\n      "))
    return lines


class Axe:
    """axe(page, context=...) checks the page; assert_clean() fails on any finding.

    Findings are collected rather than raised at once, so one run of a journey
    reports every page's problems, not only the first.
    """

    def __init__(self):
        self.findings: list[str] = []
        self.pages_checked = 0
        self.asserted = False

    def __call__(self, page, *, context: str = "") -> None:
        self.pages_checked += 1
        violations = axe_violations(page)
        if violations:
            where = f"{page.url} ({context})" if context else page.url
            self.findings.extend(describe(violations, where))

    def assert_clean(self) -> None:
        self.asserted = True
        assert self.pages_checked, "axe-core was not run on any page"
        if self.findings:
            pytest.fail("axe-core found:\n" + "\n".join(self.findings), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def axe(request):
    checker = Axe()
    yield checker
    call = getattr(request.node, "report_call", None)
    passed = call is not None and call.passed
    if passed and not checker.asserted and checker.findings:
        pytest.fail(
            "axe-core found (and the test did not check):\n"
            + "\n".join(checker.findings),
            pytrace=False,
        )


# --- Screenshots ----------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")


@pytest.fixture
def shot(request, pytestconfig, page):
    """shot(name): a full-page screenshot, test-results/browser/<test>/NN-name.png."""
    output = Path(pytestconfig.getoption("--output"))
    if not output.is_absolute():
        output = Path(pytestconfig.rootpath) / output
    folder = output / "browser" / _slug(request.node.name)
    taken = []

    def take(name: str, target=None) -> Path:
        taken.append(name)
        path = folder / f"{len(taken):02d}-{_slug(name)}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


# --- Signing in -----------------------------------------------------------------


@pytest.fixture
def sign_in(page, base):
    """Sign in through the sign-in page, as a person would."""

    def go(user, *, password: str = PASSWORD, target=None):
        target = target or page
        target.goto(f"{base}/accounts/sign-in/")
        target.get_by_label("Username").fill(user.username)
        target.get_by_label("Password").fill(password)
        with target.expect_navigation():
            target.get_by_role("button", name="Sign in").click()

    return go


@pytest.fixture
def sign_out(page):
    def go(target=None):
        target = target or page
        with target.expect_navigation():
            target.get_by_role("button", name="Sign out").click()

    return go
