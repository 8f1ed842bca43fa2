"""A real headless Chromium for the site tests (Debian's `chromium`; skipped when missing)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
QUIET = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""What every Chromium the tests start is told: no sandbox, GPU or network of its own."""
FLAGS = ("--headless", *QUIET, "--disable-extensions", "--hide-scrollbars", "--mute-audio")


def chromium() -> str:
    """The Chromium binary, or a skip with the reason shown in the test summary."""
    if not CHROMIUM.exists():
        found = shutil.which("chromium")
        if found is None:
            pytest.skip(
                "Chromium tests skipped: /usr/bin/chromium is missing "
                "(apt-get install chromium; scripts/test.sh does it when run as root)"
            )
        return found
    return str(CHROMIUM)


def run(args: list[str], profile: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def dump_dom(page: Path, profile: Path, *, budget_ms: int = 1500, file_access: bool = False) -> str:
    """The page's DOM after load and `budget_ms` of virtual time (timers have run).

    `file_access` lets a `file://` page read other `file://` pages (a test harness).
    """
    extra = ["--allow-file-access-from-files"] if file_access else []
    done = run(
        [*extra, f"--virtual-time-budget={budget_ms}", "--dump-dom", page.resolve().as_uri()],
        profile,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(url: str, target: Path, profile: Path, *, width: int, height: int) -> Path:
    done = run(
        [f"--screenshot={target}", f"--window-size={width},{height}", url], profile, timeout=90
    )
    assert done.returncode == 0 or target.exists(), done.stderr[-2000:]
    return target


# -- Playwright driving the same Chromium -------------------------------------------------------

PLAYWRIGHT_ARGS = list(QUIET)


def playwright_or_skip(what: str) -> Any:
    """`playwright.sync_api`, or a skip of the calling test module saying why (`what`:
    the tests, as the summary names them). Playwright never downloads a browser here."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{what} skipped: /usr/bin/chromium is missing (apt-get install chromium)",
            allow_module_level=True,
        )
    return pytest.importorskip("playwright.sync_api", reason=f"{what} need the playwright package")


@contextmanager
def playwright_chromium(api: Any, what: str) -> Iterator[Any]:
    """Chromium launched through Playwright, closed at the end; a skip saying why when
    Playwright or the browser cannot start on this machine."""
    try:
        manager = api.sync_playwright().start()
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"{what} skipped: Playwright did not start: {error}")
    try:
        browser = manager.chromium.launch(
            executable_path=str(CHROMIUM), args=PLAYWRIGHT_ARGS, timeout=30_000
        )
    except Exception as error:  # pragma: no cover - depends on the machine
        manager.stop()
        pytest.skip(
            f"{what} skipped: Playwright could not start {CHROMIUM}: {str(error).splitlines()[0]}"
        )
    try:
        yield browser
    finally:
        browser.close()
        manager.stop()
