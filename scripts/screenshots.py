"""Screenshots of the Dagster UI for the docs; retake them after a change: `make screenshots`.

In a temporary workspace (sample extracts of 200 accounts, seed 42, as-of 2026-11-01, its own
warehouse and ``DAGSTER_HOME``) it runs the nightly build twice, as ``make run`` does: once on
good extracts, then with one ``Id`` repeated in ``crm/Account.csv`` (the build stops at that
table's ``gx_errors`` check). Then it starts the UI (``dagster-webserver``, 127.0.0.1) and takes
screenshots in headless Chromium (Debian's, ``CS_CHROMIUM``) into ``assets/``:

- ``ui-lineage.png``: the asset lineage after the stopped run (one failed check, the rest
  skipped, not failed);
- ``ui-mart.png``: ``marts/customer_360`` with its row count, health bands, preview and link to
  the cockpit;
- ``ui-failed-check.png``: the failed check of ``crm/account``, naming the repeated rows.

    .venv/bin/python scripts/screenshots.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cs_pipeline.ui import webserver

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
BIN = Path(sys.executable).parent
AS_OF = "2026-11-01"
ACCOUNTS = 200
VIEWPORT = {"width": 1600, "height": 1000}


def workspace_env(root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(root / "dagster_home"),
        "CS_EXTRACTS_DIR": str(root / "extracts"),
        "CS_WAREHOUSE": str(root / "warehouse" / "cs360.duckdb"),
        "CS_AS_OF": AS_OF,
    }
    env.pop("DAGSTER_IS_DEV_CLI", None)
    return env


def nightly(env: dict[str, str]) -> int:
    """The nightly build, exactly as `make run` starts it; its exit code."""
    return subprocess.run([sys.executable, "-m", "cs_pipeline.nightly"], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def repeat_an_account(extracts: Path) -> None:
    """Append a copy of the first account row: its `Id` is no longer unique."""
    path = extracts / "crm" / "Account.csv"
    data = path.read_bytes()
    first_row = data.splitlines(keepends=True)[1]
    path.write_bytes(data + first_row)


def prepare(root: Path) -> dict[str, str]:
    env = workspace_env(root)
    (root / "dagster_home").mkdir(parents=True)
    shutil.copy(ROOT / "dagster-instance.yaml", root / "dagster_home" / "dagster.yaml")
    subprocess.run(
        [sys.executable, "-m", "cs_pipeline.sample_data", "--out", env["CS_EXTRACTS_DIR"],
         "--accounts", str(ACCOUNTS), "--seed", "42", "--as-of", AS_OF],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    if nightly(env) != 0:
        raise SystemExit("the nightly build on good extracts did not publish")
    repeat_an_account(root / "extracts")
    if nightly(env) == 0:
        raise SystemExit("the nightly build with a repeated account Id published")
    return env


def shoot(url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from cs_pipeline.app.screenshot import launch_chromium

    pages = [  # (file, path, text to wait for, text to click first)
        ("ui-lineage.png",
         "/assets/crm/account?view=lineage&lineageScope=downstream&lineageDepth=1",
         "Materialized", None),  # the nodes' latest materializations have loaded
        ("ui-mart.png", "/assets/marts/customer_360?view=events", "health_bands", None),
        ("ui-failed-check.png", "/assets/crm/account?view=checks", "Id is unique", "gx_errors"),
    ]
    written = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport=VIEWPORT)
        for name, path, wait_for, click in pages:
            page.goto(url + path, wait_until="networkidle", timeout=120_000)
            if click:
                page.get_by_text(click, exact=True).first.click()
            if wait_for:
                page.get_by_text(wait_for).first.wait_for(timeout=60_000)
            page.wait_for_timeout(3_000)  # the graph lays itself out after the data arrives
            page.screenshot(path=str(out / name))
            written.append(out / name)
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path,
                        help="build the workspace here and keep it; reused when it exists")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cs360-screenshots-") as tmp:
        root = args.keep or Path(tmp)
        env = workspace_env(root) if (root / "dagster_home").exists() else prepare(root)
        with webserver(env) as url:
            for path in shoot(url, ASSETS):
                print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
