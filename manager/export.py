"""The statistics' tables as CSV, UTF-8 with a byte-order mark so Excel opens Chinese right."""
from __future__ import annotations

import csv
import io

from core.config import HallConfig

FIGURES = [  # (key, header)
    ("issued", "取号"), ("served", "办结"), ("no_show", "过号"), ("unserved", "未办(日终关闭)"),
    ("transferred_out", "转出"), ("wait_mean_s", "平均等待(秒)"), ("wait_median_s", "等待中位数(秒)"),
    ("wait_p90_s", "等待P90(秒)"), ("wait_within_target", "等待达标率"),
    ("service_mean_s", "平均办理(秒)"), ("service_p90_s", "办理P90(秒)"),
    ("within_target", "办理时长达标率"), ("rating_mean", "平均评价"), ("ratings", "评价数"),
]
# Tickets are issued to a queue, not to a counter or a clerk: theirs is what they called.
PEOPLE_FIGURES = [("called", "叫号")] + FIGURES[1:]
TABLES = ("businesses", "counters", "clerks", "hours", "recommendations", "churn", "hand")


def table_rows(config: HallConfig, result: dict, table: str, names: dict[str, str]) -> list[list]:
    """The header row, then one row per line of the table."""
    if table in ("businesses", "counters", "clerks", "hours"):
        first = {"businesses": ["业务代码", "业务"], "counters": ["窗口编号", "窗口"],
                 "clerks": ["工号/账号", "姓名"], "hours": ["时段", "时段"]}[table]
        figures_of = FIGURES if table in ("businesses", "hours") else PEOPLE_FIGURES
        rows = [first + [h for _, h in figures_of]]
        for key, figures in result[table].items():
            if table == "businesses":
                b = config.business(key)
                label = f"{'固网' if b.line == 'fixed' else '移动'}·{b.name}" if b else key
            elif table == "counters":
                c = config.counter(key)
                label = c.name if c else key
            elif table == "clerks":
                label = names.get(key, key)
            else:
                label = f"{key}:00-{int(key) + 1:02d}:00"
            rows.append([key, label] + [figures[k] for k, _ in figures_of])
        total = result["total"] if table == "businesses" else None
        if total:
            rows.append(["合计", "合计"] + [total[k] for k, _ in FIGURES])
        return rows
    if table == "hand":
        return hand_rows(config, result["counter_hand"], names)
    if table == "recommendations":
        rows = [["推荐业务", "推荐次数", "接受", "接受率"]]
        rows += [[w, r["offered"], r["accepted"], r["uptake"]]
                 for w, r in result["recommendations"]["by_what"].items()]
        return rows
    rows = [["销户原因", "次数", "挽留成功", "挽留率"]]
    rows += [[w, c["asked"], c["stayed"], c["retention"]] for w, c in result["churn"]["by_reason"].items()]
    return rows


def hand_rows(config: HallConfig, hand: dict, names: dict[str, str]) -> list[list]:
    """The counter's hand: out-of-order calls by clerk and reason, re-queued no-shows, parked
    tickets, second businesses, priority given by whom."""
    def business(code: str) -> str:
        b = config.business(code)
        return f"{'固网' if b.line == 'fixed' else '移动'}·{b.name}" if b else code

    def who(name: str) -> str:
        return "客户系统(CRM)" if name == "crm" else names.get(name, name)

    o, r, p = hand["out_of_order"], hand["requeued"], hand["parked"]
    rows = [["类别", "名称", "次数", "其中"]]
    rows += [["越号叫号·营业员", who(k), n, ""] for k, n in o["by_clerk"].items()]
    rows += [["越号叫号·理由", k, n, ""] for k, n in o["by_reason"].items()]
    rows.append(["过号重排", "合计", r["requeued"], f"其后办结 {r['served']}"])
    rows.append(["暂挂", "合计", p["parked"], f"叫回 {p['called_back']},自动回到队列 {p['returned_by_itself']}"
                 + (f",平均离开 {p['away_mean_s']} 秒" if p["away_mean_s"] is not None else "")])
    rows += [["加办业务", business(k), v["added"], f"本窗口接着办理 {v['served_at_once']}"]
             for k, v in hand["second_businesses"].items()]
    g = hand["priority_given"]
    rows += [["给予优先", who(k), n, ""] for k, n in g["by"].items()]
    return rows


# A text cell starting with one of these is a formula to Excel and LibreOffice (=HYPERLINK(…),
# +cmd|…, @SUM(…)); clerks type recommendations and names, so such text is quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """What goes into the CSV: text that would start a formula gets a leading ', which the
    spreadsheet shows as text; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
