"""Declaring API routes once: validation of bodies and queries, access rules, and the OpenAPI
document all come from the same declaration."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Callable

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ValidationError

from core.errors import HallError

from . import auth
from .limits import check_depth
from .schemas import ErrorOut


@dataclass
class Route:
    rule: str
    method: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    answers: dict[int, type[BaseModel] | None]
    roles: tuple[str, ...] | None          # None: anyone; otherwise a signed-in staff role
    errors: tuple[int, ...] = field(default=())
    guard: Callable | None = None          # who else may call it (an enrolled device …), asked first


ROUTES: list[Route] = []

# What a person calls each field of a request (the message says 「原因」, never `reason`).
FIELD_ZH = {
    "business": "业务", "request_id": "请求编号", "kiosk": "取号机", "card_token": "身份证读取",
    "priority": "优先类别", "reason": "原因", "key": "关键时刻", "ticked": "勾选", "checked": "预审",
    "ticket": "号票", "what": "推荐的业务", "accepted": "是否办理", "offer": "挽留方案",
    "stayed": "是否留网", "contact": "联系电话", "question": "问题", "kind": "类别", "answer": "答复",
    "mode": "取号方式", "message": "提示语", "businesses": "业务", "username": "用户名",
    "password": "密码", "role": "角色", "display_name": "姓名", "staff_no": "工号",
    "disabled": "停用", "score": "评分", "comment": "意见", "counter": "窗口",
}
_PROBLEM_ZH = {
    "missing": "请填写{f}", "string_too_short": "请填写{f}", "string_too_long": "{f}太长了",
    "string_type": "{f}应为文字", "int_type": "{f}应为整数", "int_parsing": "{f}应为整数",
    "bool_type": "请选择{f}", "bool_parsing": "请选择{f}", "literal_error": "请从列表中选择{f}",
    "greater_than_equal": "{f}太小", "less_than_equal": "{f}太大", "too_long": "{f}太多了",
    "date_from_datetime_parsing": "{f}应为 YYYY-MM-DD 日期", "date_parsing": "{f}应为 YYYY-MM-DD 日期",
    "date_type": "{f}应为 YYYY-MM-DD 日期", "model_type": "请求内容应为 JSON 对象",
    "dict_type": "{f}应为对象", "list_type": "{f}应为列表", "extra_forbidden": "多余的字段{f}",
}


def validation_error(e: ValidationError) -> HallError:
    """A refused body in the hall's words (「请填写原因」); the fields and problems for programs."""
    parts, fields = [], []
    for err in e.errors():
        name = ".".join(str(x) for x in err["loc"]) or "请求体"
        fields.append({"field": name, "problem": err["type"]})
        label = next((FIELD_ZH[str(x)] for x in reversed(err["loc"]) if str(x) in FIELD_ZH), None)
        if err["type"] == "value_error":             # a model's own rule: its message is a sentence
            parts.append(str(err.get("ctx", {}).get("error", "")) or "内容有误")
            continue
        text = _PROBLEM_ZH.get(err["type"], "{f}取值无效").format(f=f"「{label}」" if label else f"「{name}」")
        if text not in parts:
            parts.append(text)
    return HallError("invalid_body", ";".join(parts), status=422, fields=fields)


def _json_body() -> dict:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    check_depth(raw)                 # before parsing: a RecursionError would be a 500
    data = request.get_json(force=True, silent=True)
    if data is None:
        raise HallError("invalid_json", "请求内容不是有效的 JSON")
    if not isinstance(data, dict):
        raise HallError("invalid_body", "请求内容应为 JSON 对象", status=422)
    return data


def route(bp: Blueprint, rule: str, method: str, *, summary: str, tag: str,
          body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
          answers: dict[int, type[BaseModel] | None] | None = None,
          roles: tuple[str, ...] | None = None, errors: tuple[int, ...] = (),
          guard: Callable | None = None) -> Callable:
    """Register `fn` on `bp`; it receives `body=` / `query=` models when declared. `guard(**path)`
    refuses whoever may not call it before anything of the request is read (a stranger learns
    nothing of the body's shape)."""
    prefix = bp.url_prefix or ""

    def deco(fn: Callable) -> Callable:
        ROUTES.append(Route(prefix + rule, method, summary, tag, body, query,
                            answers or {200: None}, roles, errors, guard))

        @wraps(fn)
        def view(**kwargs):
            if roles is not None:
                kwargs["staff"] = auth.require_staff(roles)
            if guard is not None:
                guard(**kwargs)
            try:
                if body is not None:
                    kwargs["body"] = body.model_validate(_json_body())
                if query is not None:
                    kwargs["query"] = query.model_validate(request.args.to_dict())
            except ValidationError as e:
                raise validation_error(e) from None
            return fn(**kwargs)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return view
    return deco


def row_id(value: str, code: str, message: str) -> int:
    """A numeric id from a path: anything else (or out of SQLite's range) is a 404, not a 500."""
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise HallError(code, message, status=404)
    return int(value)


def ok(payload, status: int = 200):
    return jsonify(payload), status


def openapi(title: str) -> dict:
    """An OpenAPI 3.1 document of every declared route."""
    schemas: dict[str, dict] = {}

    def ref(model: type[BaseModel]) -> dict:
        js = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
        for name, sub in js.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[model.__name__] = js
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    error_ref = ref(ErrorOut)
    paths: dict[str, dict] = {}
    for r in ROUTES:
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", r.rule)
        op: dict = {"summary": r.summary, "tags": [r.tag], "responses": {}}
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                  for n in re.findall(r"{([a-z_]+)}", path)]
        if r.query is not None:
            js = r.query.model_json_schema(by_alias=True)
            for name, prop in js.get("properties", {}).items():
                params.append({"name": name, "in": "query",
                               "required": name in js.get("required", []), "schema": prop})
        if params:
            op["parameters"] = params
        if r.body is not None:
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": ref(r.body)}}}
        for status, model in r.answers.items():
            content = {"application/json": {"schema": ref(model)}} if model else None
            op["responses"][str(status)] = {"description": "OK", **({"content": content} if content else {})}
        codes = {400, 413, 422} | set(r.errors)
        if r.roles is not None:
            codes |= {401, 403}
            op["security"] = [{"session": []}]
            op["description"] = "Staff only: " + ", ".join(r.roles)
        for status in sorted(codes):
            op["responses"][str(status)] = {"description": "error",
                                            "content": {"application/json": {"schema": error_ref}}}
        paths.setdefault(path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "hall_session"}},
        },
    }
