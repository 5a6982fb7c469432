"""Routes of the hall as a whole: its catalogue, sign-in, the API document, the start page."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from core import hours, views
from core.errors import HallError

from . import auth
from .api import ok, openapi, route
from .context import ctx
from .schemas import HallOut, Login, StaffOut

bp = Blueprint("shell", __name__)
ROOT = Path(__file__).resolve().parent.parent

HOME = {"clerk": "/counter", "guide": "/guide", "manager": "/manager", "admin": "/manager"}


def _staff_view(member) -> dict:
    counter = next((c.id for c in ctx().hall.counters().values() if c.clerk == member.username), None)
    return {"username": member.username, "role": member.role, "counter": counter}


@route(bp, "/api/hall", "GET", summary="The hall: name, business catalogue, counters", tag="hall",
       answers={200: HallOut})
def hall_info():
    return ok(views.hall_view(ctx().hall.config, hours.state(ctx().hall), ctx().hall.plan.version))


@route(bp, "/api/login", "POST", summary="Sign in (sets the session cookie)", tag="staff",
       body=Login, answers={200: StaffOut}, errors=(401, 429))
def api_login(body: Login):
    member = auth.login(ctx().accounts, ctx().throttle, body.username, body.password)
    return ok(_staff_view(member))


@route(bp, "/api/logout", "POST", summary="Sign out", tag="staff", answers={204: None})
def api_logout():
    auth.logout()           # ends on the server too: the cookie replayed signs nobody in
    return "", 204


@route(bp, "/api/me", "GET", summary="Who is signed in", tag="staff",
       roles=("clerk", "guide", "manager", "admin"), answers={200: StaffOut})
def me(staff):
    return ok(_staff_view(staff))


@bp.get("/api/openapi.json")
def openapi_json():
    return ok(openapi(f"{ctx().hall.config.hall.name} API"))


VENDOR = {  # front-end packages from npm, served by the hall itself (no CDN)
    "socket.io.min.js": ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
    "chart.umd.min.js": ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js",
    # the accessibility checker the browser tests inject into every page (tests/a11y.py)
    "axe.min.js": ROOT / "node_modules" / "axe-core" / "axe.min.js",
}


@bp.get("/vendor/<name>")
def vendor(name: str):
    path = VENDOR.get(name)
    if path is None or not path.exists():
        abort(404)
    return send_file(path, max_age=86400)


@bp.get("/healthz")
def health():
    return ok({"ok": True, "day": ctx().hall.today()})


@bp.get("/")
def index():
    return render_template("index.html", hall=ctx().hall.config.hall, demo=ctx().demo)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect. Browsers drop tabs and newlines from a
    URL and read a backslash as a slash, so "/<tab>/evil.example" or "/<backslash>evil" would
    leave the site; a control character would also break the Location header. Any → None."""
    if not target or len(target) > 2048 or not target.startswith("/"):
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 for ch in target):
        return None
    if "\\" in target or target[1:2] == "/":
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    error = None
    if request.method == "POST":
        try:
            member = auth.login(ctx().accounts, ctx().throttle,
                                request.form.get("username", "")[:64],
                                request.form.get("password", "")[:256])
            return redirect(_safe_next(request.args.get("next")) or HOME[member.role])
        except HallError as e:
            error = e.message
    return render_template("login.html", error=error, hall=ctx().hall.config.hall,
                           demo=ctx().demo), (401 if error else 200)


@bp.route("/logout", methods=["GET", "POST"])
def logout_page():
    auth.logout()
    return redirect(url_for("shell.login_page"))
