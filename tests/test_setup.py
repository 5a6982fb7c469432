"""Set-up on a fresh machine: `make run` and `make test` ask deploy/debian-packages for what they
need; without root or sudo it stops at once with one line naming the packages to install."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "deploy" / "debian-packages"


def bare_path(tmp_path: Path) -> str:
    """A PATH with only what a shell script needs: none of the hall's packages."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("bash", "id", "env", "cat"):
        found = shutil.which(tool)
        if found:
            (bin_ / tool).symlink_to(found)
    return str(bin_)


def test_missing_packages_are_named_in_one_line_at_once(tmp_path):
    started = time.monotonic()
    r = subprocess.run([shutil.which("bash"), str(SCRIPT), "test"], capture_output=True, text=True,
                       env={"PATH": bare_path(tmp_path), "HALL_NO_APT": "1"}, timeout=30)
    assert time.monotonic() - started < 5
    assert r.returncode == 1 and r.stdout == ""
    (line,) = r.stderr.splitlines()
    assert line.startswith("hall: missing Debian packages: ")
    for package in ("npm", "espeak-ng", "redis-server"):
        assert package in line
    assert "sudo apt-get install -y --no-install-recommends" in line


def test_nothing_to_do_when_everything_is_there():
    # This machine has what the tests need (they are running): the check passes silently.
    r = subprocess.run(["bash", str(SCRIPT), "test"], capture_output=True, text=True, timeout=30,
                       env={**os.environ, "HALL_NO_APT": "1"})
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_make_run_and_make_test_check_the_packages_first():
    makefile = (ROOT / "Makefile").read_text()
    assert "run: packages-run install" in makefile and "test: packages-test install" in makefile
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_display_pc_is_started_as_the_browser_tests_start_it():
    from browser import DISPLAY_ARGS
    script = (ROOT / "deploy" / "chromium-kiosk").read_text()
    (policy,) = [a for a in DISPLAY_ARGS if a.startswith("--autoplay-policy")]
    assert policy in script and "--kiosk" in script and "--user-data-dir" in script
