"""The store's SQL for the manager's statistics: past days' tallies kept as rows (hall.db.sql's
tally_* tables, core/tally_rows.py) and a range summed from them. Mixed into `store.Tx`."""
from __future__ import annotations

import sqlite3

from .stats import SUMS
from .tally_rows import DayRows, band

_SUMMED = ", ".join(f"SUM({f}) AS {f}" for f in SUMS)


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _month_days(month: str) -> tuple[str, str]:
    """The day periods of a month sort between these (a month's own, 2026-03, sorts before)."""
    return f"{month}-01", f"{month}-31"


class TallyTx:
    conn: sqlite3.Connection

    def kept_tallies(self, periods: list[str]) -> dict[str, str]:
        """Period (a day or a month) → the key it was counted under, for those kept."""
        if not periods:
            return {}
        return dict(self.conn.execute(
            f"SELECT period, key FROM tally_periods WHERE period IN ({_marks(len(periods))})",
            periods))

    def _subjects(self, subjects: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        self.conn.executemany("INSERT OR IGNORE INTO tally_subjects (kind, name) VALUES (?, ?)",
                              sorted(subjects))
        return {(kind, name): i for i, kind, name in self.conn.execute(
            "SELECT id, kind, name FROM tally_subjects")}

    def _forget_period(self, period: str) -> None:
        for table in ("tally_counts", "tally_bands", "tally_times", "tally_answers"):
            self.conn.execute(f"DELETE FROM {table} WHERE period = ?", (period,))
        self.conn.execute("DELETE FROM tally_periods WHERE period = ?", (period,))

    def keep_day_tally(self, day: str, key: str, rows: DayRows) -> None:
        """Keep a past day's rows (counted under `key`), replacing any it had; its month, summed
        from the old ones, is summed again when next asked for."""
        self._forget_period(day)
        self._forget_period(day[:7])
        ids = self._subjects(set(rows.counts) | {(k, n) for k, n, _, _ in rows.times})
        self.conn.executemany(
            f"INSERT INTO tally_counts (period, subject, first, {', '.join(SUMS)}) "
            f"VALUES ({_marks(3 + len(SUMS))})",
            [(day, ids[s], c["first"], *(c[f] for f in SUMS)) for s, c in rows.counts.items()])
        self.conn.executemany(
            "INSERT INTO tally_bands (period, subject, measure, band, n) VALUES (?, ?, ?, ?, ?)",
            [(day, ids[k, name], measure, b, n)
             for (k, name, measure, b), n in rows.bands().items()])
        self.conn.executemany(
            "INSERT INTO tally_times (period, subject, measure, band, tenth, n) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(day, ids[k, name], measure, band(t), t, n)
             for (k, name, measure, t), n in rows.times.items()])
        self.conn.executemany(
            "INSERT INTO tally_answers (period, topic, name, n, yes, first) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(day, topic, name, n, yes, first)
             for (topic, name), (n, yes, first) in rows.answers.items()])
        self.conn.execute("INSERT INTO tally_periods (period, key) VALUES (?, ?)", (day, key))

    def keep_month_tally(self, month: str, days: list[str], key: str) -> bool:
        """Sum a month's kept days (all of `days`, under `key`) into the month's own rows;
        False (and nothing kept) when one of them is not kept so."""
        kept = self.conn.execute(
            f"SELECT count(*) FROM tally_periods WHERE key = ? AND period IN ({_marks(len(days))})",
            [key, *days]).fetchone()[0]
        if kept != len(days):
            return False
        self._forget_period(month)
        first, last = _month_days(month)
        self.conn.execute(
            f"INSERT INTO tally_counts (period, subject, first, {', '.join(SUMS)}) "
            f"SELECT ?, subject, MIN(first), {_SUMMED} FROM tally_counts "
            "WHERE period BETWEEN ? AND ? GROUP BY subject", (month, first, last))
        self.conn.execute(
            "INSERT INTO tally_bands (period, subject, measure, band, n) "
            "SELECT ?, subject, measure, band, SUM(n) FROM tally_bands "
            "WHERE period BETWEEN ? AND ? GROUP BY subject, measure, band", (month, first, last))
        self.conn.execute(
            "INSERT INTO tally_times (period, subject, measure, band, tenth, n) "
            "SELECT ?, subject, measure, band, tenth, SUM(n) FROM tally_times "
            "WHERE period BETWEEN ? AND ? GROUP BY subject, measure, band, tenth",
            (month, first, last))
        self.conn.execute(
            "INSERT INTO tally_answers (period, topic, name, n, yes, first) "
            "SELECT ?, topic, name, SUM(n), SUM(yes), MIN(first) FROM tally_answers "
            "WHERE period BETWEEN ? AND ? GROUP BY topic, name", (month, first, last))
        self.conn.execute("INSERT INTO tally_periods (period, key) VALUES (?, ?)", (month, key))
        return True

    def tally_sums(self, periods: list[str]) -> tuple[list[tuple], list[tuple], list[tuple]]:
        """These kept periods summed: per subject (kind, name, first, *SUMS); per subject's
        band (kind, name, measure, band, n); per answer (topic, name, n, yes, first)."""
        if not periods:
            return [], [], []
        marks = _marks(len(periods))
        # Grouped by the subjects' numbers, named after: sorting numbers is the cheap part.
        counts = self.conn.execute(
            f"SELECT s.kind, s.name, c.first, {', '.join('c.' + f for f in SUMS)} FROM "
            f"(SELECT subject, MIN(first) AS first, {_SUMMED} FROM tally_counts "
            f"WHERE period IN ({marks}) GROUP BY subject) c "
            "JOIN tally_subjects s ON s.id = c.subject", periods).fetchall()
        bands = self.conn.execute(
            "SELECT s.kind, s.name, b.measure, b.band, b.n FROM (SELECT subject, measure, band, "
            f"SUM(n) AS n FROM tally_bands WHERE period IN ({marks}) "
            "GROUP BY subject, measure, band) b JOIN tally_subjects s ON s.id = b.subject",
            periods).fetchall()
        answers = self.conn.execute(
            "SELECT topic, name, SUM(n), SUM(yes), MIN(first) FROM tally_answers "
            f"WHERE period IN ({marks}) GROUP BY topic, name", periods).fetchall()
        return ([tuple(r) for r in counts], [tuple(r) for r in bands],
                [tuple(r) for r in answers])

    def tally_tenths(self, wanted: set[tuple[str, str, str, int]],
                     periods: list[str]) -> dict[tuple[str, str, str, int], list[tuple[int, int]]]:
        """The kept tenths of these (kind, name, measure, band) over these periods: for each,
        (tenth, how many) from the shortest."""
        if not periods:
            return {}
        ids = {(kind, name): i for i, kind, name in self.conn.execute(
            "SELECT id, kind, name FROM tally_subjects")}
        # A band at a time, a short stretch of the key in each period: in one statement joined
        # to the wanted bands SQLite sorts all their rows together, three times slower.
        sql = ("SELECT tenth, SUM(n) FROM tally_times WHERE subject = ? AND measure = ? AND "
               f"band = ? AND period IN ({_marks(len(periods))}) GROUP BY tenth ORDER BY tenth")
        return {(kind, name, measure, b): self.conn.execute(
                    sql, (ids[kind, name], measure, b, *periods)).fetchall()
                for kind, name, measure, b in sorted(wanted) if (kind, name) in ids}

    def forget_tallies(self) -> int:
        """Drop every kept tally (the days are counted again when asked for); how many periods."""
        for table in ("tally_counts", "tally_bands", "tally_times", "tally_answers"):
            self.conn.execute(f"DELETE FROM {table}")
        return self.conn.execute("DELETE FROM tally_periods").rowcount
