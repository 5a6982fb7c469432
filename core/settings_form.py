"""The settings page's form, drawn from the same pydantic models that read the TOML file: every
field with its words in both languages, its kind and its limits (`form()`), and a refusal's
problems in the hall's words next to their fields (`field_errors()`).

A field's path is dotted, `*` standing for any item of a list: `businesses.*.prefix`.
"""
from __future__ import annotations

import types
import typing
from datetime import date, datetime, time

import annotated_types as at
from pydantic import BaseModel, ValidationError

from .config import COUNTER_ACTIONS, HallConfig

# Not settings of the page: the public address is the command line's (or the file's), and a
# kiosk's agent key was moved out of the file into the device's enrolment.
NOT_ON_THE_PAGE = ("hall.public_url", "kiosks.*.agent_key")

# path → (名称, English, a line of help or "")
WORDS: dict[str, tuple[str, str, str]] = {
    "hall": ("大厅", "Hall", ""),
    "hall.name": ("大厅名称", "Hall name", "显示在大屏、取号机和号票上"),
    "hall.name_en": ("英文名称", "Name in English", ""),
    "hall.code": ("大厅代码", "Hall code", "在公司汇总中区分各厅:字母、数字、- 或 _"),
    "hall.timezone": ("时区", "Time zone", "例如 Asia/Shanghai;营业中不能修改"),
    "hall.opening": ("开门时间", "Opens at", ""),
    "hall.closing": ("关门时间", "Closes at", ""),
    "hall.weekday_hours": ("按星期的营业时间", "Hours by weekday", "只填与上面不同的日子"),
    "hall.weekday_hours.*.opening": ("开门时间", "Opens at", ""),
    "hall.weekday_hours.*.closing": ("关门时间", "Closes at", ""),
    "hall.closed_days": ("休息日期", "Closed on", "例如国庆假期的日期"),
    "hall.closed_weekdays": ("每周休息日", "Closed every", ""),
    "hall.target_wait_s": ("等待时长标准(秒)", "Waiting standard (s)", "统计里超过它的等待算超时"),
    "hall.senior_age": ("老年人年龄", "Senior from age", "读身份证时按年龄提示帮扶"),
    "hall.hotline": ("客服热线", "Hotline", "今天办不了时告诉客户"),
    "hall.wechat": ("微信公众号", "WeChat", ""),
    "hall.notices": ("滚动通知", "Notices", "大屏底部滚动显示;可设开始和结束时间"),
    "hall.notices.*.text": ("通知内容", "Text", ""),
    "hall.notices.*.text_en": ("英文内容", "In English", ""),
    "hall.notices.*.start": ("开始时间", "From", "不填:立即"),
    "hall.notices.*.end": ("结束时间", "Until", "不填:一直显示"),
    "routing": ("叫号规则", "Calling rules", ""),
    "routing.starvation_cap_s": ("最长等待保护(秒)", "Starvation cap (s)", "等得超过它的号优先叫"),
    "routing.estimate_window": ("估算样本数", "Estimate sample", "按最近多少笔估算办理时长"),
    "routing.estimate_horizon_s": ("估算时间范围(秒)", "Estimate horizon (s)", ""),
    "routing.repeat_call_s": ("重复叫号间隔(秒)", "Repeat-call guard (s)", "这么快的第二次「叫下一位」不生效"),
    "routing.no_show_undo_s": ("过号可撤销时间(秒)", "No-show undo (s)", ""),
    "routing.requeue_after": ("过号重排顺延位数", "Requeue after", ""),
    "routing.requeue_limit": ("过号重排次数上限", "Requeue limit", "0:过号作废"),
    "routing.park_return_s": ("暂挂自动回队(秒)", "Parked back after (s)", ""),
    "routing.park_limit": ("每窗口暂挂上限", "Parked per window", ""),
    "routing.call_reasons": ("叫指定号的原因", "Reasons to call out of order", ""),
    "priority_classes": ("优先类别", "Priority classes", "绿色通道:老年人、孕妇、军人等"),
    "priority_classes.*.code": ("代码", "Code", "小写字母开头"),
    "priority_classes.*.name": ("名称", "Name", ""),
    "priority_classes.*.name_en": ("英文名称", "Name in English", ""),
    "priority_classes.*.rank": ("优先顺序", "Rank", "数字小的先叫"),
    "priority_classes.*.min_age": ("年龄下限", "From age", "读身份证时达到此年龄自动优先;不填:不按年龄"),
    "checklist": ("关键时刻清单", "Key moments", "代码 → 窗口看到的文字"),
    "businesses": ("业务", "Businesses", ""),
    "businesses.*.code": ("业务代码", "Code", "大写字母、数字和 -"),
    "businesses.*.line": ("条线", "Line", ""),
    "businesses.*.name": ("名称", "Name", ""),
    "businesses.*.name_en": ("英文名称", "Name in English", ""),
    "businesses.*.hint": ("取号机提示", "Kiosk hint", "按钮下的一行说明"),
    "businesses.*.hint_en": ("英文提示", "Hint in English", ""),
    "businesses.*.prefix": ("号码前缀", "Number prefix", "一到两个大写字母;今天已取号的不能改"),
    "businesses.*.target_s": ("标准办理时长(秒)", "Target time (s)", ""),
    "businesses.*.max_s": ("最长办理时长(秒)", "Maximum time (s)", ""),
    "businesses.*.id_required": ("需要身份证", "ID card needed", ""),
    "businesses.*.self_service": ("可自助办理", "Self-service", ""),
    "businesses.*.follow_up_days": ("回访工作日", "Follow-up (working days)", "不填:按条线"),
    "businesses.*.checklist": ("关键时刻", "Key moments", ""),
    "businesses.*.checklist_required": ("必做的关键时刻", "Required key moments", "未勾选不能办结"),
    "counters": ("窗口", "Windows", ""),
    "counters.*.id": ("窗口编号", "Id", ""),
    "counters.*.name": ("名称", "Name", "叫号时播报"),
    "counters.*.businesses": ("办理业务(按优先顺序)", "Businesses, in order of preference",
                              "上面的先叫;拖动或用箭头排序"),
    "counters.*.callpad": ("呼叫器端口", "Call pad port", "串口路径或 mock;改动在重启后生效"),
    "counters.*.callpad_id": ("呼叫器编号", "Call pad id", "不填:窗口编号"),
    "counters.*.callpad_baud": ("呼叫器波特率", "Call pad baud", ""),
    "kiosks": ("取号机", "Kiosks", ""),
    "kiosks.*.id": ("取号机编号", "Id", ""),
    "kiosks.*.name": ("名称", "Name", ""),
    "kiosks.*.printer": ("打印机端口", "Printer port", "串口路径、socket:// 地址或 mock;改动在重启后生效"),
    "kiosks.*.printer_baud": ("打印机波特率", "Printer baud", ""),
    "kiosks.*.idcard": ("身份证读卡器端口", "ID card reader port", "改动在重启后生效"),
    "kiosks.*.idcard_baud": ("读卡器波特率", "Reader baud", ""),
    "counter_keys": ("窗口快捷键", "Counter keys", "按键名 → 操作(USB 呼叫器)"),
    "voice": ("语音播报", "Voice", ""),
    "voice.engine": ("语音引擎", "Engine", ""),
    "voice.piper_model": ("piper 语音模型", "Piper model", ".onnx 文件"),
    "voice.repeat": ("每次叫号播报遍数", "Said how many times", ""),
    "voice.english": ("同时用英文播报", "Also in English", ""),
    "voice.speed": ("语速", "Speed", ""),
    "voice.cache_mb": ("语音缓存(MB)", "Cache (MB)", ""),
    "zones": ("显示区域", "Display zones", "分区大屏只显示本区窗口"),
    "zones.*.id": ("区域编号", "Id", ""),
    "zones.*.name": ("名称", "Name", ""),
    "zones.*.counters": ("本区窗口", "Windows", ""),
    "after_service": ("服务后登记", "After service", ""),
    "after_service.follow_up_days": ("回访工作日(按条线)", "Follow-up days by line", ""),
    "after_service.recommendations": ("推荐产品", "Recommendations", ""),
    "after_service.churn_reasons": ("销户原因", "Churn reasons", ""),
    "after_service.retention_offers": ("挽留方案", "Retention offers", ""),
    "alerts": ("提醒阈值", "Alert thresholds", ""),
    "alerts.wait_s": ("等待超过(秒)", "Waiting over (s)", ""),
    "alerts.queue_length": ("单项业务排队超过(人)", "Queue longer than", ""),
    "alerts.pause_s": ("窗口暂停超过(秒)", "Window paused over (s)", ""),
    "alerts.called_s": ("叫号后未到超过(秒)", "Called, not come (s)", ""),
    "alerts.check_s": ("检查间隔(秒)", "Checked every (s)", ""),
    "backup": ("备份", "Backup", ""),
    "backup.dir": ("备份目录", "Folder", "相对路径在数据库旁边"),
    "backup.at": ("每天备份时间", "At", ""),
    "backup.keep": ("保留份数", "Keep", ""),
    "security": ("安全", "Security", ""),
    "security.session_hours": ("登录有效时长(小时)", "Session hours", ""),
    "security.idle_timeout_min": ("无操作自动退出(分钟)", "Idle sign-out (min)", ""),
    "security.idle_timeout_min.clerk": ("窗口人员", "Clerk", ""),
    "security.idle_timeout_min.guide": ("导购", "Guide", ""),
    "security.idle_timeout_min.manager": ("值班经理", "Manager", ""),
    "security.idle_timeout_min.admin": ("管理员", "Admin", ""),
    "remote": ("远程取号", "Remote tickets", ""),
    "remote.tickets": ("允许手机取号", "Allow phone tickets", ""),
    "remote.per_source_per_day": ("每个地址每天上限", "Per address per day", ""),
    "crm": ("客户系统(星级客户)", "CRM (star customers)", ""),
    "crm.url": ("地址", "Address", "https:// 地址;不填:不查询"),
    "crm.timeout_s": ("超时(秒)", "Timeout (s)", ""),
    "crm.ca_file": ("CA 证书文件", "CA file", ""),
    "crm.token_env": ("令牌环境变量名", "Token variable", "令牌不写在设置里"),
    "crm.star_min": ("优先的最低星级", "Priority from star", ""),
    "crm.priority": ("给予的优先类别", "Priority class given", ""),
    "crm.retry_after_s": ("失败后暂停查询(秒)", "Retry after (s)", ""),
    "ticket": ("号票文字", "Ticket texts", ""),
    "ticket.header": ("厅名下方一行", "Under the hall's name", ""),
    "ticket.qr_caption": ("二维码说明", "QR caption", ""),
    "ticket.footer": ("票尾文字(每行一条)", "Footer lines", "每行不超过 40 字"),
}

CHOICES_ZH = {"fixed": "固网", "mobile": "5G 移动", "espeak-ng": "espeak-ng(离线)",
              "piper": "piper(离线,更自然)", "browser": "浏览器语音"}


def form() -> list[dict]:
    """The fields of the config, top to bottom, as the page draws them."""
    return _fields(HallConfig, "")


def _fields(model: type[BaseModel], prefix: str) -> list[dict]:
    out = []
    for name, f in model.model_fields.items():
        path = f"{prefix}{name}"
        if path in NOT_ON_THE_PAGE:
            continue
        zh, en, help_zh = WORDS.get(path, (name, name, ""))
        node = {"path": path, "name": name, "label": zh, "label_en": en, "help": help_zh,
                "required": f.is_required(), **_kind(f.annotation, path)}
        for m in f.metadata:
            for attr, key in (("gt", "gt"), ("ge", "min"), ("le", "max"), ("lt", "lt"),
                              ("min_length", "min_length"), ("max_length", "max_length"),
                              ("pattern", "pattern")):
                if getattr(m, attr, None) is not None:
                    node[key] = getattr(m, attr)
        if f.default is not None and not f.is_required() and node["kind"] not in ("group", "table"):
            default = f.default
            node["default"] = default.isoformat() if isinstance(default, (date, time)) else (
                list(default) if isinstance(default, tuple) else default)
        out.append(node)
    return out


def _kind(annotation, path: str) -> dict:
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        inner = next(a for a in args if a is not type(None))
        return {**_kind(inner, path), "nullable": True}
    if origin is typing.Literal:
        return {"kind": "choice", "choices": [{"value": v, "label": CHOICES_ZH.get(v, v)} for v in args]}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"kind": "group", "fields": _fields(annotation, path + ".")}
    if origin is tuple:
        item = args[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            key = "code" if "code" in item.model_fields else ("id" if "id" in item.model_fields else None)
            return {"kind": "table", "key": key, "fields": _fields(item, path + ".*.")}
        return {"kind": "list", "of": _kind(item, path + ".*")["kind"]}
    if origin is dict:
        k, v = args
        keys = list(typing.get_args(k)) if typing.get_origin(k) is typing.Literal else None
        if isinstance(v, type) and issubclass(v, BaseModel):
            return {"kind": "map", "keys": keys, "key_kind": _scalar(k), "fields": _fields(v, path + ".*.")}
        values = {"kind": "choice", "choices": [{"value": a, "label": a} for a in COUNTER_ACTIONS]} \
            if path == "counter_keys" else {"kind": _scalar(v)}
        return {"kind": "map", "keys": keys, "key_kind": _scalar(k), "values": values}
    return {"kind": _scalar(annotation)}


def _scalar(t) -> str:
    return {bool: "bool", int: "int", float: "float", str: "text", time: "time", date: "date",
            datetime: "datetime"}.get(t, "text")


# --- a refusal, in the hall's words ---------------------------------------------------------
ERRORS_ZH = {
    "missing": "必填", "string_too_short": "不能为空", "too_short": "至少要有 {min_length} 项",
    "string_too_long": "不超过 {max_length} 个字", "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}", "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "不能大于 {le}",
    "int_parsing": "请填整数", "int_type": "请填整数", "int_from_float": "请填整数",
    "float_parsing": "请填数字", "float_type": "请填数字", "bool_parsing": "请选择是或否",
    "bool_type": "请选择是或否", "string_type": "请填文字",
    "time_parsing": "时间格式应为 09:00", "time_type": "时间格式应为 09:00",
    "date_parsing": "日期格式应为 2026-10-01", "date_from_datetime_parsing": "日期格式应为 2026-10-01",
    "date_type": "日期格式应为 2026-10-01", "datetime_parsing": "时间格式应为 2026-10-01 09:00",
    "datetime_from_date_parsing": "时间格式应为 2026-10-01 09:00", "datetime_type": "时间格式应为 2026-10-01 09:00",
    "literal_error": "请从 {expected} 中选择", "extra_forbidden": "不认识的设置项(可能拼错了)",
    "tuple_type": "应为一组值", "list_type": "应为一组值", "dict_type": "应为一组对应关系",
    "model_type": "格式不对", "model_attributes_type": "格式不对",
}
PATTERNS_ZH = {
    "prefix": "一到两个大写字母,例如 A、FB", "code": "大写字母开头,只用大写字母、数字和 -",
    "id": "只用字母、数字、- 和 _,最多 32 个", "callpad_id": "只用字母、数字、- 和 _,最多 16 个",
    "token_env": "大写字母、数字和 _", "public_url": "以 http:// 或 https:// 开头的地址",
}


def field_errors(e: ValidationError) -> list[dict]:
    """Each problem of a refused config: {field: "businesses.3.prefix", label, message (zh)}."""
    out = []
    for err in e.errors():
        loc = [str(p) for p in err["loc"]]
        ctx = err.get("ctx") or {}
        if err["type"] == "hall_problem":
            for p in ctx.get("problems", []):
                field = ".".join([*loc, p["field"]] if p["field"] else loc)
                out.append({"field": field, "label": label(field), "message": p["zh"]})
            continue
        out.append({"field": ".".join(loc), "label": label(".".join(loc)), "message": _zh(err, loc, ctx)})
    return out


def _zh(err: dict, loc: list[str], ctx: dict) -> str:
    if err["type"] == "string_pattern_mismatch":
        name = loc[-1] if loc else ""
        if name == "code" and len(loc) > 1 and loc[0] == "priority_classes":
            return "小写字母开头,只用小写字母、数字、- 和 _"
        if name == "code" and loc[:1] == ["hall"]:
            return "只用字母、数字、- 和 _"
        return "格式不对:" + PATTERNS_ZH.get(name, "请检查")
    words = ERRORS_ZH.get(err["type"])
    if words is None:
        return err["msg"].removeprefix("Value error, ")
    try:
        return words.format(**{k: v for k, v in ctx.items()}) if ctx else words.split("{")[0].rstrip() or words
    except (KeyError, IndexError):
        return words


def label(field: str) -> str:
    """「业务 3 · 号码前缀」 for businesses.3.prefix."""
    parts = field.split(".")
    words, pattern = [], []
    for p in parts:
        if p.isdigit():
            pattern.append("*")
            words.append(f"第 {int(p) + 1} 项")
            continue
        pattern.append(p)
        zh = WORDS.get(".".join(pattern), (p,))[0]
        words.append(zh)
    return " · ".join(words)
