"""The hall's settings as versions (issue 19): every change a version in the store with who,
when and what changed in words a person reads, any version restorable, the TOML file the way to
set up a new hall and to import one. The version in force is the newest whose day has come: a
change that cannot take effect mid-day (a prefix numbering today, a business with customers
waiting, a window in use, the time zone) is refused, or saved for the next business day.

Every process reads the version in force within day_config.REFRESH_S (core/day_config.py).
"""
from __future__ import annotations

import json
from datetime import date, timedelta

from pydantic import ValidationError

from . import settings_form
from .clock import business_day
from .config import HallConfig
from .errors import Conflict, Forbidden, HallError, NotFound
from .events import SettingsChanged

SOURCES = ("file", "page", "import", "restore")
# What the duty manager may change (the rest is the admin's): the display's notices and the
# alert thresholds. The day's windows are the manager's too, as day changes (core/day_config.py).
MANAGER_MAY = (("hall", "notices"), ("alerts",))
WHEN = ("now", "next_day")

# The words a person reads a change in: field → 名称.
LABELS = {
    "hall": "大厅", "name": "名称", "name_en": "英文名称", "code": "代码", "public_url": "公开地址",
    "timezone": "时区", "opening": "开门时间", "closing": "关门时间", "closed_days": "休息日期",
    "closed_weekdays": "每周休息日", "target_wait_s": "等待标准(秒)", "senior_age": "老年人年龄",
    "hotline": "客服热线", "wechat": "微信", "notices": "滚动通知", "routing": "叫号规则",
    "priority_classes": "优先类别", "checklist": "关键时刻", "businesses": "业务", "counters": "窗口",
    "kiosks": "取号机", "counter_keys": "快捷键", "voice": "语音", "zones": "显示区域",
    "after_service": "服务后登记", "alerts": "提醒阈值", "backup": "备份", "security": "安全",
    "remote": "远程取号", "crm": "客户系统", "line": "条线", "hint": "提示", "hint_en": "英文提示",
    "prefix": "号码前缀", "target_s": "标准办理时长(秒)", "max_s": "最长办理时长(秒)",
    "id_required": "需要身份证", "self_service": "可自助办理", "follow_up_days": "回访工作日",
    "checklist_required": "必做关键时刻", "rank": "顺序", "min_age": "年龄下限",
}
KEYS = ("code", "id")         # what names one entry of a list (a business, a counter …)


class HallSettings:
    def __init__(self, store, clock, tz, pinned: dict | None = None):
        self.store = store
        self.clock = clock
        self.tz = tz
        # What the command line sets over any version (the public address it was started with).
        self.pinned = pinned or {}
        self.on_saved = lambda: None        # the day's plan reads the new version at once

    # --- reading ----------------------------------------------------------------------
    def in_force(self, tx=None) -> dict | None:
        """The newest version whose day has come (None: no version yet: the file as read)."""
        if tx is None:
            with self.store.read() as rtx:
                return self.in_force(rtx)
        return tx.config_version_in_force(business_day(self.clock.now(), self.tz))

    def in_force_id(self) -> int | None:
        with self.store.read() as tx:
            return tx.config_version_in_force_id(business_day(self.clock.now(), self.tz))

    def config_of(self, version: dict) -> HallConfig:
        data = json.loads(version["config"])
        for part, values in self.pinned.items():
            data[part] = {**data.get(part, {}), **values}
        return HallConfig.model_validate(data)

    def versions(self, limit: int = 50) -> list[dict]:
        with self.store.read() as tx:
            return [_row(v) for v in tx.config_versions(limit)]

    def version(self, version_id: int) -> dict:
        with self.store.read() as tx:
            v = tx.config_version(version_id) if 0 < version_id < 2 ** 63 else None
        if v is None:
            raise NotFound("unknown_version", f"没有第 {version_id} 版设置")
        return {**_row(v), "config": json.loads(v["config"])}

    # --- changing ---------------------------------------------------------------------
    def adopt_file(self, config: HallConfig) -> dict | None:
        """At start-up: the file becomes a version when it is new to the store (a first start,
        or the file edited since it was last read); else the versions stand."""
        data = plain(config)
        with self.store.write() as tx:
            last_file = tx.last_config_version("file")
            if last_file is not None and json.loads(last_file["config"]) == data:
                return None
            before = tx.config_version_in_force(business_day(self.clock.now(), self.tz))
            old = json.loads(before["config"]) if before else None
            return _row(self._record(tx, data, "config-file", "file", old, None))

    def save(self, raw: dict, by: str, base_version: int | None = None, when: str = "now",
             source: str = "page", only: tuple | None = None) -> tuple[dict, list]:
        """A new version from `raw` (the config as JSON), validated by the models that read the
        TOML. `base_version`: the version the page edited (a change saved since is not silently
        overwritten). `when`: now, or the next business day. `only`: the parts this person
        may change (MANAGER_MAY for the duty manager), None: all."""
        if when not in WHEN:
            raise HallError("unknown_when", "请选择「立即生效」或「下一营业日生效」")
        config = validated(raw)
        data = plain(config)
        with self.store.write() as tx:
            today = business_day(self.clock.now(), self.tz)
            current = tx.config_version_in_force(today)
            if base_version is not None and current is not None and current["id"] != base_version:
                raise Conflict("settings_changed", f"设置已被{current['by']}改过(第 {current['id']} 版),"
                               "请刷新后再改", version=current["id"])
            old = json.loads(current["config"]) if current else None
            if old == data:
                raise Conflict("nothing_changed", "设置没有变化")
            if only is not None and old is not None and _without(old, only) != _without(data, only):
                raise Forbidden("settings_admin_only", "值班经理只能修改滚动通知和提醒阈值,其他设置请由管理员修改")
            effective = None
            if when == "now":
                blocked = mid_day_blocks(tx, old, data, today)
                if blocked:
                    raise Conflict("not_mid_day", "以下改动不能在营业中生效:" + ";".join(blocked)
                                   + "。可选择「下一营业日生效」", reasons=blocked)
            else:
                effective = (date.fromisoformat(today) + timedelta(days=1)).isoformat()
            tx.ensure_counters([c["id"] for c in data["counters"]])
            version = _row(self._record(tx, data, by, source, old, effective))
        self.on_saved()
        # A version for the next business day changes nothing on the screens today.
        return version, ([] if effective else [SettingsChanged(version=version["id"])])

    def restore(self, version_id: int, by: str, when: str = "now") -> tuple[dict, list]:
        v = self.version(version_id)
        version, events = self.save(v["config"], by, when=when, source="restore")
        return version | {"restored_from": version_id}, events

    def _record(self, tx, data: dict, by: str, source: str, old: dict | None,
                effective: str | None) -> dict:
        now = self.clock.now()
        lines = changes(old, data) if old is not None else ["首次记录设置"]
        version_id = tx.insert_config_version(at=now, by=by, source=source,
                                              config=json.dumps(data, ensure_ascii=False),
                                              changes=json.dumps(lines, ensure_ascii=False),
                                              effective_day=effective)
        if source != "file":        # the file read at start-up is in the versions, not the day's log
            tx.append_event(at=now, day=business_day(now, self.tz), kind="settings", clerk=by,
                            version=version_id, source=source, effective_day=effective,
                            changes=len(lines))
        return tx.config_version(version_id)


def validated(raw: dict) -> HallConfig:
    """The config from a page's or an import's JSON, or the problems next to their fields, in
    the hall's words (core/settings_form.py)."""
    if not isinstance(raw, dict):
        raise HallError("invalid_settings", "设置应为一个对象", status=422)
    try:
        return HallConfig.model_validate(raw)
    except ValidationError as e:
        fields = settings_form.field_errors(e)
        words = ";".join(f"{f['label']}:{f['message']}" for f in fields[:5])
        raise HallError("invalid_settings", f"设置有误:{words}", status=422, fields=fields) from None


def mid_day_blocks(tx, old: dict | None, new: dict, today: str) -> list[str]:
    """Why this change cannot take effect now: what today's tickets and windows rely on."""
    if old is None:
        return []
    out = []
    if old["hall"]["timezone"] != new["hall"]["timezone"]:
        out.append("时区(今天的号码按营业日编排)")
    new_b = {b["code"]: b for b in new["businesses"]}
    live = tx.live_counts_by_business(today)
    issued = tx.issued_businesses(today)
    for b in old["businesses"]:
        nb = new_b.get(b["code"])
        if nb is None and live.get(b["code"]):
            out.append(f"删除业务「{b['name']}」(还有 {live[b['code']]} 位客户未办完)")
        elif nb is not None and nb["prefix"] != b["prefix"] and b["code"] in issued:
            out.append(f"业务「{b['name']}」的号码前缀(今天已按 {b['prefix']} 取号)")
    new_c = {c["id"] for c in new["counters"]}
    for c in old["counters"]:
        state = tx.counter(c["id"])
        if c["id"] not in new_c and state is not None and (state.state != "closed" or state.current_ticket):
            out.append(f"删除窗口「{c['name']}」(正在使用)")
    return out


def changes(old: dict, new: dict, path: tuple = ()) -> list[str]:
    """What changed, in words: 「业务 F-NEW · 名称:新开户 → 固网新装」."""
    out: list[str] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for k in list(old) + [k for k in new if k not in old]:
            if k not in new:
                out.append(f"{_where(path + (k,))}:已删除")
            elif k not in old:
                out.append(f"{_where(path + (k,))}:新增 {_show(new[k])}")
            elif old[k] != new[k]:
                out += changes(old[k], new[k], path + (k,))
        return out
    if isinstance(old, list) and isinstance(new, list) and _keyed(old) and _keyed(new):
        key = _keyed(old)
        olds = {x[key]: x for x in old}
        news = {x[key]: x for x in new}
        for k, x in olds.items():
            if k not in news:
                out.append(f"{_where(path)} {k}({x.get('name', '')}):已删除")
            elif x != news[k]:
                out += changes(x, news[k], path + (f"{k}",))
        for k, x in news.items():
            if k not in olds:
                out.append(f"{_where(path)} {k}({x.get('name', '')}):新增")
        if [x[key] for x in old if x[key] in news] != [x[key] for x in new if x[key] in olds]:
            out.append(f"{_where(path)}:顺序 {' '.join(x[key] for x in new)}")
        return out
    return [f"{_where(path)}:{_show(old)} → {_show(new)}"]


def _where(path: tuple) -> str:
    words = [LABELS.get(str(p), str(p)) for p in path]
    if len(path) >= 3 and path[0] == "counters" and path[2] == "businesses":
        words[2] = "办理业务(按优先顺序)"      # a window's businesses: their order is routing's
    return " · ".join(words) or "设置"


def _keyed(items: list) -> str | None:
    for key in KEYS:
        if items and all(isinstance(x, dict) and key in x for x in items):
            return key
    return None


def _show(v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, list) and v and all(isinstance(x, dict) and "text" in x for x in v):
        return "、".join(f"「{x['text']}」" for x in v)          # the notices, by their words
    if isinstance(v, list):
        return "、".join(_show(x) for x in v) if all(not isinstance(x, (dict, list)) for x in v) else f"{len(v)} 项"
    if isinstance(v, dict):
        return f"{len(v)} 项"
    return "(空)" if v in (None, "") else str(v)


def _without(data: dict, parts: tuple) -> dict:
    """The config without these parts (paths of keys)."""
    out = json.loads(json.dumps(data))
    for path in parts:
        node = out
        for key in path[:-1]:
            node = node.get(key, {})
        node.pop(path[-1], None)
    return out


def as_toml(data: dict) -> str:
    """A version as the hall's TOML file (what is unset left out)."""
    import tomli_w

    def drop_none(v):
        if isinstance(v, dict):
            return {k: drop_none(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [drop_none(x) for x in v]
        return v
    return ("# The hall's settings, exported by the hall (`run.py` reads this file at start-up).\n"
            + tomli_w.dumps(drop_none(data)))


def from_toml(text: str) -> dict:
    import tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise HallError("invalid_toml", f"不是有效的 TOML 文件:{e}", status=422) from None


def plain(config: HallConfig) -> dict:
    """The config as a version keeps it: without the public address, which is the command
    line's or the file's (pinned), never a setting of the page."""
    data = json.loads(config.model_dump_json())
    data["hall"]["public_url"] = None
    return data


def _row(v: dict) -> dict:
    return {"id": v["id"], "at": v["at"], "by": v["by"], "source": v["source"],
            "effective_day": v["effective_day"], "changes": json.loads(v["changes"])}
