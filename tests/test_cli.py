"""run.py's sub-commands and start-up refusals."""
from __future__ import annotations

import re
import sqlite3
import subprocess
import sys

import pytest

from server import ROOT


def run(*args, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_users_add_list_disable(tmp_path):
    db = str(tmp_path / "h.db")
    r = run("users", "add", "wang", "--role", "clerk", "--password", "s3cret-pass", "--db", db)
    assert r.returncode == 0 and "added wang (clerk)" in r.stdout
    r = run("users", "add", "wang", "--role", "clerk", "--password", "s3cret-pass", "--db", db)
    assert r.returncode == 1 and "已存在" in r.stderr and "Traceback" not in r.stderr
    r = run("users", "add", "li", "--role", "boss", "--password", "s3cret-pass", "--db", db)
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = run("users", "add", "li", "--role", "guide", "--password", "short", "--db", db)
    assert r.returncode == 1 and "密码至少" in r.stderr
    r = run("users", "list", "--db", db)
    assert "wang" in r.stdout and "clerk" in r.stdout and "active" in r.stdout
    r = run("users", "disable", "wang", "--db", db)
    assert r.returncode == 0 and "disabled" in r.stdout
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT password_hash, disabled FROM staff WHERE username='wang'").fetchone()
    assert row[1] == 1 and "s3cret-pass" not in row[0] and row[0].startswith("scrypt:")


def test_day_reset(tmp_path):
    db = tmp_path / "h.db"
    from core.config import load_config
    from core.hall import Hall
    from core.store import Store
    store = Store(db)
    hall = Hall(load_config(), store)
    hall.always_open = True             # whatever the hour the test runs at (core/hours.py)
    hall.issue_ticket("F-NEW", "a")
    hall.issue_ticket("F-NEW", "b")
    store.close()
    r = run("day", "reset", "--db", str(db))
    assert r.returncode == 0 and "2 live ticket(s) closed" in r.stdout
    store = Store(db)
    hall = Hall(load_config(), store)
    hall.always_open = True
    assert hall.issue_ticket("F-NEW", "c")[0].number == "A001"
    store.close()


def test_broken_config_names_the_key_and_stops(tmp_path):
    bad = tmp_path / "bad.toml"
    text = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace('prefix = "G"', 'prefix = "g7"').replace('senior_age = 65', 'senior_age = "old"'),
                   encoding="utf-8")
    r = run("--config", str(bad), "--db", str(tmp_path / "h.db"), "--port", "1")
    assert r.returncode == 2
    assert "businesses[6].prefix" in r.stderr and "hall.senior_age" in r.stderr
    assert "Traceback" not in r.stderr
    bad.write_text("this is [not toml", encoding="utf-8")
    r = run("--config", str(bad), "--db", str(tmp_path / "h.db"))
    assert r.returncode == 2 and "not valid TOML" in r.stderr and "Traceback" not in r.stderr
    r = run("--config", str(tmp_path / "missing.toml"), "--db", str(tmp_path / "h.db"))
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_without_demo_no_account_has_a_known_password(tmp_path):
    from web import create_app
    app = create_app(None, tmp_path / "h.db", demo=True)
    app.extensions["hall"].hall.store.close()
    app = create_app(None, tmp_path / "h.db", demo=False)
    accounts = app.extensions["hall"].accounts
    assert accounts.authenticate("demo-admin", "demo") is None
    r = app.test_client().post("/api/login", json={"username": "demo-clerk", "password": "demo"})
    assert r.status_code == 401
    app.extensions["hall"].hall.store.close()


def test_a_file_that_is_not_a_database_stops_start_up_clearly(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    r = run("--db", str(junk), "--port", "1")
    assert r.returncode == 2 and "not a usable SQLite database" in r.stderr
    assert "Traceback" not in r.stderr


COMMANDS = ("users", "day", "backup", "simulate", "agent", "sync", "central", "mock")


def test_help_lists_every_command(capsys):
    r = run("--help")
    assert r.returncode == 0, r.stderr
    for name in (*COMMANDS, "help"):
        assert re.search(rf"^  {name} +\S", r.stdout, re.M), (name, r.stdout)
    for option in ("--host", "--port", "--db", "--config", "--demo"):        # the server's own
        assert option in r.stdout
    import run as cli
    for argv in (["-h"], ["--demo", "--help"], ["help"]):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 0 and capsys.readouterr().out == r.stdout
    with pytest.raises(SystemExit):
        cli.main(["help", "mock"])
    assert capsys.readouterr().out.startswith("usage: run.py mock")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_own_help(command, capsys):
    import run as cli
    with pytest.raises(SystemExit) as e:
        cli.main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: run.py {command}") and len(out.splitlines()) > 3


def test_an_unknown_command_names_the_commands():
    r = run("frobnicate")
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr and "mock" in r.stderr
    assert "Traceback" not in r.stderr


def test_users_list_disable_enable_as_before(tmp_path):
    db = str(tmp_path / "h.db")
    assert run("users", "add", "zhao", "--role", "guide", "--password", "s3cret-pass",
               "--db", db).returncode == 0
    assert run("users", "disable", "zhao", "--db", db).stdout.strip() == "zhao: disabled"
    assert run("users", "enable", "zhao", "--db", db).stdout.strip() == "zhao: active"
    assert re.search(r"^zhao +guide +active$", run("users", "list", "--db", db).stdout, re.M)
    r = run("users")
    assert r.returncode == 2 and "usage: run.py users" in r.stderr
