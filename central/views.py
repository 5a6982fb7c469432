"""The central view's pages and JSON: the halls side by side with the company, for a range of
days (at most a year), signed-in company managers only."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from pydantic import ValidationError

from core.errors import HallError
from web.auth import Unauthorized
from web.limits import check_depth
from web.schemas import StatsQuery

from . import figures
from .app import current_user, login

bp = Blueprint("central", __name__)
TITLE = "营业厅对比 · Halls side by side"
DEFAULT_DAYS = 7

# The rows of the page: label, where in a hall's statistics, how shown.
ROWS = (
    ("取号 Issued", ("total", "issued"), "n"),
    ("已办结 Served", ("total", "served"), "n"),
    ("过号 No-shows", ("total", "no_show"), "n"),
    ("平均等候 Mean wait", ("total", "wait_mean_s"), "dur"),
    ("90% 等候 p90 wait", ("total", "wait_p90_s"), "dur"),
    ("等候达标率 Waits within the hall's standard", ("total", "wait_within_target"), "pct"),
    ("办理达标率 Services within standard", ("total", "within_target"), "pct"),
    ("满意率 Satisfied (3–4 of 4)", ("ratings", "satisfied"), "pct"),
    ("平均评分 Mean rating", ("ratings", "mean"), "num"),
    ("评价数 Ratings", ("ratings", "count"), "n"),
)


def _central():
    return current_app.extensions["central"]


@bp.app_context_processor
def _page_context() -> dict:
    return {"hall": {"name": TITLE}, "demo": False}


def _range(args) -> tuple[str, str]:
    """from/to from the query; left out: the week up to the newest day any hall has sent."""
    if "from" not in args and "to" not in args:
        newest = figures.newest_day(_central())
        last = date.fromisoformat(newest) if newest else date.today()
        return (last - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), last.isoformat()
    try:
        q = StatsQuery.model_validate(args.to_dict())
    except ValidationError as e:
        problem = "; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())
        raise HallError("bad_range", f"日期范围有误 (from/to YYYY-MM-DD): {problem}") from None
    return q.from_.isoformat(), q.to.isoformat()


def _cell(stats: dict | None, where: tuple[str, str], how: str) -> str:
    value = stats[where[0]][where[1]] if stats else None
    if value is None:
        return "—"
    if how == "pct":
        return f"{value * 100:.1f}%"
    if how == "dur":
        return f"{int(value) // 60}:{int(value) % 60:02d}"
    if how == "num":
        return f"{value:.1f}"
    return f"{value:,}"


@bp.get("/")
def home():
    return redirect(url_for("central.page"))


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    who = {"heading": "公司管理人员登录", "heading_en": "Company managers' sign-in"}
    if request.method == "GET":
        return render_template("login.html", **who)
    try:
        login(request.form.get("username", ""), request.form.get("password", ""))
    except HallError as e:
        return render_template("login.html", error=e.message, **who), e.status
    return redirect(url_for("central.page"))


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("central.login_page"))


@bp.post("/api/central/login")
def api_login():
    check_depth(request.get_data(cache=True))      # a RecursionError in the parser: a 500
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    return jsonify({"username": login(str(body.get("username", "")), str(body.get("password", "")))})


@bp.get("/central")
def page():
    user = current_user()
    if user is None:
        return redirect(url_for("central.login_page"))
    try:
        day_from, day_to = _range(request.args)
    except HallError as e:
        return render_template("central/page.html", user=user, error=e.message, result=None,
                               rows=ROWS, cell=_cell), 400
    result = figures.company(_central(), day_from, day_to)
    return render_template("central/page.html", user=user, error=None, result=result, rows=ROWS,
                           cell=_cell)


@bp.get("/api/central/stats")
def api_stats():
    if current_user() is None:
        raise Unauthorized("login_required", "请先登录")
    day_from, day_to = _range(request.args)
    return jsonify(figures.company(_central(), day_from, day_to))
