"""Every error is JSON with a machine code and a zh-CN message; bad input is never a 500."""
from __future__ import annotations

import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from core.errors import HallError

log = logging.getLogger("hall.web")

_HTTP = {
    400: ("bad_request", "请求有误"),
    401: ("login_required", "请先登录"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "没有这个地址"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("body_too_large", "请求内容过大(上限 64 KiB)"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁,请稍后再试"),
}


def error_body(code: str, message: str, **details) -> dict:
    return {"error": {"code": code, "message": message, **details}}


def register(app) -> None:
    @app.errorhandler(HallError)
    def hall_error(e: HallError):
        resp = jsonify(error_body(e.code, e.message, **e.details))
        if "retry_after_s" in e.details:
            resp.headers["Retry-After"] = str(e.details["retry_after_s"])
        return resp, e.status

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        code, message = _HTTP.get(e.code or 500, ("http_error", "请求失败"))
        return jsonify(error_body(code, message)), e.code or 500

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return jsonify(error_body("internal_error", "系统内部错误,请稍后再试或联系管理员")), 500
