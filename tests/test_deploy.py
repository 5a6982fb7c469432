"""The hall server's deployment (deploy/): systemd's own check of the units, the commands the
units run driven as systemd would (start in order, SIGTERM, start again, HUP, USR1 after
logrotate moved the log), nginx in front with HTTPS, and the install script's layout. systemd
is not PID 1 here, so its commands are run as it would run them."""
from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import requests
import socketio

from server import PYTHON, ROOT, free_port

UNITS = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    p = configparser.ConfigParser(strict=False, interpolation=None)
    p.optionxform = str
    p.read(UNITS / name)
    return p


def test_the_units_pass_systemd_s_own_check(tmp_path):
    verify = shutil.which("systemd-analyze")
    assert verify, "systemd-analyze is missing (Debian: apt-get install systemd; make test does)"
    for path in UNITS.iterdir():       # paths of this clone; the hall user is root's here
        text = path.read_text().replace("/opt/hall/.venv/bin/python", PYTHON)
        (tmp_path / path.name).write_text(text.replace("User=hall", "User=root")
                                          .replace("Group=hall", "Group=root"))
    names = sorted(str(p) for p in tmp_path.iterdir())
    r = subprocess.run([verify, "verify", "--man=no", *names], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
    for name in ("hall.service", "hall-devices.service", "hall-sync.service", "hall-redis.service"):
        service = unit(name)["Service"]
        assert service["Restart"] == "always", name
        assert service["User"] == "hall" and service["UMask"] == "0077", name
        if name != "hall-redis.service":
            assert service["StateDirectoryMode"] == "0700", name
    assert "dialout" in unit("hall-devices.service")["Service"]["SupplementaryGroups"]
    # The central URL's password is in an environment file, never on a command line.
    assert "postgresql" not in unit("hall-sync.service")["Service"]["ExecStart"]


class Deployed:
    """The units' ExecStart lines with this machine's paths, started as systemd starts them."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.state, self.logs, self.run = tmp / "state", tmp / "log", tmp / "run"
        for d in (self.state, self.logs, self.run / "hall-redis"):
            d.mkdir(parents=True, mode=0o700)   # StateDirectory=, LogsDirectory=, RuntimeDirectory=
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}

    def command(self, name: str, extra: tuple[str, ...] = ()) -> list[str]:
        line = unit(name)["Service"]["ExecStart"]
        for old, new in (("/opt/hall/.venv/bin/python", PYTHON), ("/opt/hall", str(ROOT)),
                         ("/var/lib/hall", str(self.state)), ("/var/log/hall", str(self.logs)),
                         ("/etc/hall/hall.toml", str(ROOT / "config" / "hall.toml")),
                         ("/run/", f"{self.run}/"), ("--port 5000", f"--port {self.port}")):
            line = line.replace(old, new)
        return shlex.split(line) + list(extra)

    def start(self, name: str, extra: tuple[str, ...] = ()) -> subprocess.Popen:
        out = open(self.logs / f"{name}.out", "ab")
        p = subprocess.Popen(self.command(name, extra), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"}, process_group=0)
        self.procs[name] = p
        return p

    def output(self, name: str) -> str:
        return (self.logs / f"{name}.out").read_text(errors="replace")

    def start_hall(self, web_extra: tuple[str, ...] = ()) -> None:
        """In After= order: Redis, the device process, the web server (mock devices: --demo)."""
        self.start("hall-redis.service")
        sock = self.run / "hall-redis" / "redis.sock"
        wait(sock.exists, 10, "redis")
        self.start("hall-devices.service", ("--demo",))
        self.start("hall.service", ("--demo", *web_extra))
        wait(lambda: self.ok("/healthz"), 30, self.output("hall.service"))

    def ok(self, path: str) -> bool:
        try:
            return requests.get(self.url + path, timeout=2).ok
        except requests.RequestException:
            return False

    def stop(self, name: str) -> int:
        """systemctl stop: SIGTERM to the main process (KillMode=mixed), SIGKILL to what is left
        after TimeoutStopSec."""
        p = self.procs.pop(name)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            timeout = float(unit(name)["Service"].get("TimeoutStopSec", "90"))
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                return -9
        try:
            os.killpg(p.pid, 0)
            left = True
        except ProcessLookupError:
            left = False
        assert not left, f"{name} left processes behind"
        return p.returncode

    def stop_all(self) -> dict[str, int]:
        return {name: self.stop(name) for name in ("hall.service", "hall-devices.service",
                                                    "hall-redis.service") if name in self.procs}

    def kiosk(self) -> requests.Session:
        """The demo kiosk k1, by the credential in the banner (the first worker prints it, maybe
        after the other has answered /healthz)."""
        found = []
        wait(lambda: found.append(re.search(r"^\s+kiosk k1\s+\S+/pair/(\S+)$",
                                            self.output("hall.service"), re.M)) or found[-1],
             20, self.output("hall.service"))
        token = found[-1].group(1)
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + token
        return s


def wait(cond, timeout_s: float, what: str = "") -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out: {what[-3000:]}")


def master_children(pid: int) -> set[int]:
    found = set()
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(p))
            except OSError:
                pass
    return found


def test_the_units_start_stop_reload_and_restart_the_hall(tmp_path):
    hall = Deployed(tmp_path)
    try:
        hall.start_hall()
        kiosk = hall.kiosk()

        def printed_ticket():
            r = kiosk.post(hall.url + "/api/tickets", json={"business": "F-NEW", "kiosk": "k1",
                                                            "request_id": os.urandom(6).hex()}, timeout=20)
            return r.status_code == 201 and r.json()["printed"] is True and r.json()
        wait(printed_ticket, 30, hall.output("hall-devices.service"))   # the device process prints
        ticket = printed_ticket()
        assert ticket

        # The database and its key file: the hall user's alone, in a state directory of 0700.
        assert (hall.state.stat().st_mode & 0o777) == 0o700
        assert oct(os.stat(hall.state / "hall.db").st_mode & 0o777) == "0o600"
        assert oct(os.stat(hall.state / "hall.db.keys").st_mode & 0o777) == "0o600"

        # The access log: in the logs directory, without the ticket's token.
        access = hall.logs / "access.log"
        requests.get(f"{hall.url}/t/{ticket['id']}", timeout=10)
        wait(lambda: access.exists() and "/t/" in access.read_text(), 10, "access log")
        assert ticket["id"] not in access.read_text()
        assert ticket["id"][:4] + "…" in access.read_text()

        # logrotate moves the log away, its postrotate sends USR1: a new log is written.
        access.rename(hall.logs / "access.log.1")
        hall.procs["hall.service"].send_signal(signal.SIGUSR1)
        wait(lambda: (requests.get(hall.url + "/healthz", timeout=5) and access.exists()
                      and "/healthz" in access.read_text()), 10, "reopened access log")

        # systemctl reload (ExecReload: HUP): new workers, and not one request refused meanwhile.
        master = hall.procs["hall.service"].pid
        before = master_children(master)
        failures, stop = [], threading.Event()

        def keep_asking():
            while not stop.is_set():
                try:
                    if not requests.get(hall.url + "/api/hall", timeout=10).ok:
                        failures.append("not ok")
                except requests.RequestException as e:
                    failures.append(repr(e))
        asker = threading.Thread(target=keep_asking)
        asker.start()
        os.kill(master, signal.SIGHUP)
        wait(lambda: master_children(master) and not (master_children(master) & before), 20,
             hall.output("hall.service"))
        time.sleep(0.5)
        stop.set()
        asker.join()
        assert failures == []

        # systemctl stop hall.target: each stops cleanly on SIGTERM, nothing left behind.
        assert hall.stop_all() == {"hall.service": 0, "hall-devices.service": 0, "hall-redis.service": 0}
        assert "stopped cleanly" in hall.output("hall.service")

        # systemctl start again: the same hall, the ticket still there.
        hall.start_hall()
        r = requests.get(f"{hall.url}/api/tickets/{ticket['id']}", timeout=10)
        assert r.status_code == 200 and r.json()["number"] == ticket["number"]
    finally:
        for name in list(hall.procs):
            p = hall.procs.pop(name)
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)


NGINX_MAIN = """
error_log {tmp}/nginx-error.log;
pid {tmp}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/hall-site.conf;
}}
"""


def test_nginx_in_front_serves_the_hall_over_https(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.path.exists(nginx), "nginx is missing (Debian: apt-get install nginx-light; make test does)"
    crt, key = tmp_path / "hall.crt", tmp_path / "hall.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    https_port, http_port = free_port(), free_port()
    hall = Deployed(tmp_path)
    site = (ROOT / "deploy" / "nginx-hall.conf").read_text()
    for old, new in (("/etc/hall/tls/hall.crt", str(crt)), ("/etc/hall/tls/hall.key", str(key)),
                     ("127.0.0.1:5000", f"127.0.0.1:{hall.port}"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};")):
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    (tmp_path / "hall-site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(NGINX_MAIN.format(tmp=tmp_path))
    proxy = None
    try:
        hall.start_hall(("--public-url", f"https://127.0.0.1:{https_port}"))
        proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                  "-g", "daemon off;"], stderr=subprocess.PIPE)
        base = f"https://127.0.0.1:{https_port}"
        wait(lambda: _get(base + "/healthz", crt), 10, "nginx")
        r = requests.get(base + "/api/hall", verify=str(crt), timeout=10)
        assert r.ok and r.headers["Strict-Transport-Security"]
        assert r.headers["Server"] == "nginx"                   # server_tokens off: no version
        plain = requests.get(f"http://127.0.0.1:{http_port}/kiosk", allow_redirects=False, timeout=10)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")

        # Staff sign in over HTTPS: the cookie is Secure. A spoofed X-Forwarded-For is not
        # believed: nginx says who the client is, and the log keeps that address.
        s = requests.Session()          # verify= on each request: a session's loses to the environment's
        bad = s.post(base + "/api/login", json={"username": "demo-admin", "password": "wrong"},
                     headers={"X-Forwarded-For": "203.0.113.9"}, verify=str(crt), timeout=10)
        assert bad.status_code == 401
        good = s.post(base + "/api/login", json={"username": "demo-admin", "password": "demo"},
                      verify=str(crt), timeout=10)
        assert good.ok
        assert "secure" in good.headers["Set-Cookie"].lower()
        with sqlite3.connect(hall.state / "hall.db") as db:
            failed = [d for (d,) in db.execute("SELECT data FROM events WHERE kind = 'sign_in_failed'")]
        assert failed and all("127.0.0.1" in d and "203.0.113.9" not in d for d in failed), failed

        # A screen's WebSocket through nginx, over TLS.
        c = socketio.Client(reconnection=False, ssl_verify=False)
        states = []
        c.on("hall_state", states.append)
        c.connect(base, transports=["websocket"], wait_timeout=10)
        try:
            wait(lambda: bool(states), 10, "hall_state over wss")
        finally:
            c.disconnect()
    finally:
        if proxy:
            proxy.terminate()
            proxy.wait(10)
        hall.stop_all()


def _get(url: str, crt: Path) -> bool:
    try:
        return requests.get(url, verify=str(crt), timeout=2).ok
    except requests.RequestException:
        return False


def test_logrotate_reads_the_hall_s_file(tmp_path):
    rotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    assert os.path.exists(rotate), "logrotate is missing (Debian: apt-get install logrotate; make test does)"
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "access.log").write_text("a line\n")
    conf = (ROOT / "deploy" / "logrotate-hall").read_text().replace("/var/log/hall", str(logs))
    conf = conf.replace("su hall hall", "su root root").replace("create 0640 hall hall", "create 0640 root root")
    (tmp_path / "hall").write_text(conf)
    r = subprocess.run([rotate, "-d", "-f", "-s", str(tmp_path / "state"), str(tmp_path / "hall")],
                       capture_output=True, text=True)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "error" not in out.lower(), out
    assert "rotating pattern" in out and "access.log" in out


def test_install_lays_out_the_hall(tmp_path):
    stage = tmp_path / "stage"
    r = subprocess.run(["bash", str(ROOT / "deploy" / "install"), "--no-start"], capture_output=True,
                       text=True, env={**os.environ, "DESTDIR": str(stage)})
    assert r.returncode == 0, r.stderr
    assert (stage / "opt/hall/run.py").exists() and not (stage / "opt/hall/.git").exists()
    assert not (stage / "opt/hall/.venv").exists()
    for name in ("hall.service", "hall-devices.service", "hall-sync.service", "hall-redis.service",
                 "hall.target"):
        assert (stage / "etc/systemd/system" / name).exists(), name
    assert (stage / "etc/logrotate.d/hall").exists()
    assert (stage / "etc/nginx/sites-available/hall").exists()
    assert (stage / "var/lib/hall").stat().st_mode & 0o777 == 0o700
    assert (stage / "etc/hall/hall.toml").stat().st_mode & 0o777 == 0o640
    # An upgrade keeps the hall's own config.
    (stage / "etc/hall/hall.toml").write_text("# the hall's own\n")
    subprocess.run(["bash", str(ROOT / "deploy" / "install"), "--no-start"], check=True,
                   capture_output=True, env={**os.environ, "DESTDIR": str(stage)})
    assert (stage / "etc/hall/hall.toml").read_text() == "# the hall's own\n"


def test_the_access_log_shortens_every_token():
    from web.wsgi_server import redact
    assert redact("GET /t/3f9c0a77b1d2e4f5 HTTP/1.1") == "GET /t/3f9c… HTTP/1.1"
    assert redact("GET /pair/bc52df8a8ddc6341 HTTP/1.1") == "GET /pair/bc52… HTTP/1.1"
    assert redact("POST /api/tickets/l2GHiZE3csWF/print HTTP/1.1") == "POST /api/tickets/l2GH…/print HTTP/1.1"
    assert redact("GET /login?next=/manager HTTP/1.1") == "GET /login?next=… HTTP/1.1"
    assert redact("POST /api/tickets HTTP/1.1") == "POST /api/tickets HTTP/1.1"     # nothing to hide
