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
TABLES = ("businesses", "counters", "clerks", "hours", "recommendations", "churn")


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
    if table == "recommendations":
        rows = [["推荐业务", "推荐次数", "接受", "接受率"]]
        rows += [[w, r["offered"], r["accepted"], r["uptake"]]
                 for w, r in result["recommendations"]["by_what"].items()]
        return rows
    rows = [["销户原因", "次数", "挽留成功", "挽留率"]]
    rows += [[w, c["asked"], c["stayed"], c["retention"]] for w, c in result["churn"]["by_reason"].items()]
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
