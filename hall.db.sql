-- The hall's schema, applied by sqlite-utils at every start-up (every statement is idempotent).
-- Times are Unix epoch seconds (REAL); `day` is the business day in the hall's time zone (YYYY-MM-DD).
-- Later schema changes go in core/store.py's MIGRATIONS, keyed by schema_version.

CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per business day and ticket prefix; `last` is the last number handed out.
CREATE TABLE IF NOT EXISTS number_sequences (
    day    TEXT NOT NULL,
    prefix TEXT NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (day, prefix)
);

CREATE TABLE IF NOT EXISTS tickets (
    id                TEXT PRIMARY KEY,          -- unguessable token (phones track by it)
    request_id        TEXT NOT NULL UNIQUE,      -- the kiosk's idempotency key
    day               TEXT NOT NULL,
    number            TEXT NOT NULL,             -- prefix + 3 digits
    business          TEXT NOT NULL,             -- the queue it is in now
    issued_business   TEXT NOT NULL,             -- the business it was issued for
    status            TEXT NOT NULL CHECK (status IN
                        ('waiting', 'called', 'serving', 'done', 'no_show', 'transferred', 'parked')),
    priority          TEXT,                      -- priority class code, or NULL
    issued_at         REAL NOT NULL,             -- kept across transfers
    queued_at         REAL NOT NULL,             -- when it joined its current queue
    target_counter    TEXT,                      -- set by a transfer to one counter
    counter           TEXT,                      -- the counter that called it
    clerk             TEXT,
    called_at         REAL,                      -- first call in the current queue
    last_called_at    REAL,
    recalls           INTEGER NOT NULL DEFAULT 0,
    started_at        REAL,
    ended_at          REAL,
    kiosk             TEXT,
    masked_name       TEXT,                      -- 张*三, from an ID card read
    age_band          TEXT,
    id_hash           TEXT,                      -- HMAC of the ID number, never the number
    printed           INTEGER,                   -- NULL until a kiosk print was tried
    print_error       TEXT,                      -- paper_out, cover_open, offline …
    checklist         TEXT,                      -- JSON list of the key moments ticked at the counter
    prechecked_at     REAL,                      -- the guide checked the documents (预审) …
    prechecked_by     TEXT,                      -- … and who
    order_at          REAL,                      -- its place in its line when re-queued, else NULL
    requeues          INTEGER NOT NULL DEFAULT 0, -- a no-show brought back (过号重排), times
    parked_at         REAL                       -- parked at its counter (the customer stepped away)
);
-- Two live tickets never share a number; finished ones may (after a manual day reset).
CREATE UNIQUE INDEX IF NOT EXISTS tickets_live_number ON tickets (number)
    WHERE status IN ('waiting', 'called', 'serving', 'transferred', 'parked');
CREATE INDEX IF NOT EXISTS tickets_by_status ON tickets (status, business, issued_at);
CREATE INDEX IF NOT EXISTS tickets_by_day ON tickets (day);
CREATE INDEX IF NOT EXISTS tickets_by_end ON tickets (ended_at);     -- the estimate's recent pace

CREATE TABLE IF NOT EXISTS counters (
    id             TEXT PRIMARY KEY,
    state          TEXT NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'paused')),
    clerk          TEXT,
    current_ticket TEXT REFERENCES tickets (id),
    updated_at     REAL
);

CREATE TABLE IF NOT EXISTS staff (
    username      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'guide', 'manager', 'admin')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL,
    display_name  TEXT,                          -- shown on the counter screen
    staff_no      TEXT                           -- 工号
);

-- Append-only log of every state change; statistics are derived from it.
CREATE TABLE IF NOT EXISTS events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       REAL NOT NULL,
    day      TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN
               ('issued', 'called', 'recalled', 'started', 'finished', 'no_show', 'transferred',
                'paused', 'resumed', 'counter_opened', 'counter_closed', 'rated', 'day_closed',
                'device', 'help', 'issuing', 'checklist',
                'precheck', 'help_accepted', 'help_closed', 'alert', 'alert_cleared', 'alert_acked',
                'recommended', 'churn', 'follow_up', 'follow_up_answered', 'counter_businesses',
                'staff', 'no_show_undone',
                'device_enrolled', 'device_revoked', 'device_refused',
                'signed_in', 'signed_out', 'sign_in_failed',
                'requeued', 'parked', 'unparked', 'business_added', 'priority_given',
                'settings')),
    ticket   TEXT,
    number   TEXT,
    business TEXT,
    counter  TEXT,
    clerk    TEXT,
    data     TEXT                                -- JSON, kind-specific details
);
CREATE INDEX IF NOT EXISTS events_by_day ON events (day, kind);
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind, day);      -- a rare kind over a year
CREATE INDEX IF NOT EXISTS events_by_ticket ON events (ticket);
-- A counter's last finish (its rating pad, after-service records) without reading the whole log.
CREATE INDEX IF NOT EXISTS events_finished ON events (counter, at) WHERE kind = 'finished';
CREATE INDEX IF NOT EXISTS events_turns ON events (counter, seq)
    WHERE kind IN ('called', 'no_show', 'no_show_undone');      -- what an undo would undo
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- The hall's settings, every change a version (core/settings.py): the config as JSON, what
-- changed in words, and the business day it takes effect (NULL: when saved).
CREATE TABLE IF NOT EXISTS config_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            REAL NOT NULL,
    by            TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('file', 'page', 'import', 'restore')),
    config        TEXT NOT NULL,
    changes       TEXT NOT NULL,                 -- JSON list of lines a person reads
    effective_day TEXT
);

-- An ID card read at a kiosk, kept only as what the hall needs, until a ticket uses it.
CREATE TABLE IF NOT EXISTS card_reads (
    token       TEXT PRIMARY KEY,
    at          REAL NOT NULL,
    kiosk       TEXT,
    masked_name TEXT NOT NULL,
    age_band    TEXT NOT NULL,
    senior      INTEGER NOT NULL,
    id_hash     TEXT NOT NULL,
    star        INTEGER                  -- the operator's CRM star level, NULL when not asked or down
);

CREATE TABLE IF NOT EXISTS ratings (
    ticket  TEXT PRIMARY KEY REFERENCES tickets (id),
    score   INTEGER NOT NULL CHECK (score BETWEEN 1 AND 4),
    comment TEXT,
    at      REAL NOT NULL
);

-- A question that could not be answered on the spot, or a complaint: answered by a due date.
CREATE TABLE IF NOT EXISTS follow_ups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('query', 'complaint')),
    ticket      TEXT REFERENCES tickets (id),
    business    TEXT,
    summary     TEXT NOT NULL,                   -- the customer's question
    created_at  REAL NOT NULL,
    created_by  TEXT,
    due_date    TEXT NOT NULL,                   -- YYYY-MM-DD, counted in working days
    answered_at REAL,
    answer      TEXT,
    contact     TEXT,                            -- a phone number; masked once answered
    number      TEXT,                            -- the ticket's number, for people
    counter     TEXT,
    answered_by TEXT,
    due_warning TEXT                             -- set when the due date could not use the holiday calendar
);
CREATE INDEX IF NOT EXISTS follow_ups_open ON follow_ups (answered_at, due_date);

-- A customer at a kiosk or the self-service area asked for the guide.
CREATE TABLE IF NOT EXISTS help_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kiosk        TEXT NOT NULL,
    business     TEXT,
    requested_at REAL NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'closed')),
    accepted_by  TEXT,
    accepted_at  REAL,
    closed_at    REAL
);
CREATE INDEX IF NOT EXISTS help_requests_live ON help_requests (state, requested_at);

-- Something staff must see until someone acknowledges it (a device fault; later, long waits …).
-- At most one unacknowledged alert per kind and subject: a repeat updates it.
CREATE TABLE IF NOT EXISTS alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,                    -- device, long_wait, long_service …
    subject    TEXT NOT NULL,                    -- what it is about, e.g. printer:K1
    state      TEXT,                             -- the device's state (paper_out …)
    message    TEXT NOT NULL,                    -- zh-CN, for people
    raised_at  REAL NOT NULL,
    cleared_at REAL,                             -- the condition ended (device back)
    acked_at   REAL,
    acked_by   TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_unacked ON alerts (kind, subject) WHERE acked_at IS NULL;

-- The manager's statistics of past days, counted once from the log (core/statistics.py): a
-- day's log never changes once the day is over. A period is a day (2026-03-05) or a month
-- (2026-03), summed from its days once it is over; `key` says how it was counted
-- (stats.fingerprint: the code's version, the hall's targets and time zone): a period kept
-- under another key is counted again. A range is the SQL sum of its months' and days' rows.
CREATE TABLE IF NOT EXISTS tally_periods (
    period TEXT PRIMARY KEY,
    key    TEXT NOT NULL
);

-- What a tally's row is about; rows name it by number (summing sorts numbers, not names).
CREATE TABLE IF NOT EXISTS tally_subjects (
    id   INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('business', 'counter', 'clerk', 'hour')),
    name TEXT NOT NULL,                          -- business code, counter id, clerk, hour (09)
    UNIQUE (kind, name)
);

-- A period's counts per subject (stats.SUMS), times summed in whole milliseconds (exact);
-- `first`: where the subject first appeared (day number × 10000 + its place that day), the
-- order the page lists businesses outside the catalogue in.
CREATE TABLE IF NOT EXISTS tally_counts (
    period          TEXT NOT NULL,
    subject         INTEGER NOT NULL,            -- tally_subjects.id
    first           INTEGER NOT NULL,
    issued          INTEGER NOT NULL,
    served          INTEGER NOT NULL,
    no_show         INTEGER NOT NULL,
    unserved        INTEGER NOT NULL,
    transferred_out INTEGER NOT NULL,
    within_target   INTEGER NOT NULL,            -- services within their business's standard
    with_target     INTEGER NOT NULL,            -- services of a business with a standard
    waits_within    INTEGER NOT NULL,            -- waits within the hall's target
    waits           INTEGER NOT NULL,
    wait_ms         INTEGER NOT NULL,
    services        INTEGER NOT NULL,
    service_ms      INTEGER NOT NULL,
    ratings         INTEGER NOT NULL,
    rating_sum      INTEGER NOT NULL,
    PRIMARY KEY (period, subject)
) WITHOUT ROWID;

-- How many of a subject's waits (services) fell in each band of time (core/tally_rows.py band):
-- which band holds a percentile, before that band's tenths are read.
CREATE TABLE IF NOT EXISTS tally_bands (
    period  TEXT NOT NULL,
    subject INTEGER NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('wait', 'service')),
    band    INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (period, subject, measure, band)
) WITHOUT ROWID;

-- A period's waits (services) per subject to the tenth of a second, as the page shows them: the
-- percentiles of any range, exactly. Read one band of a subject at a time, over the range's
-- periods; a month's own rows spare reading its days'.
CREATE TABLE IF NOT EXISTS tally_times (
    period  TEXT NOT NULL,
    subject INTEGER NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('wait', 'service')),
    band    INTEGER NOT NULL,
    tenth   INTEGER NOT NULL,                    -- the time in tenths of a second
    n       INTEGER NOT NULL,
    PRIMARY KEY (period, subject, measure, band, tenth)
) WITHOUT ROWID;

-- After service: recommendations (n offered, yes accepted), churn (n asked, yes stayed) and
-- ratings (n given the score `name`); `first` as in tally_counts (ties listed in that order).
CREATE TABLE IF NOT EXISTS tally_answers (
    period TEXT NOT NULL,
    topic  TEXT NOT NULL CHECK (topic IN ('recommendation', 'churn', 'score', 'hand')),
    name   TEXT NOT NULL,
    n      INTEGER NOT NULL,
    yes    INTEGER NOT NULL,
    first  INTEGER NOT NULL,
    PRIMARY KEY (period, topic, name)
) WITHOUT ROWID;

-- An enrolled device (a kiosk, a counter's own screen, a wall display): its credential is kept
-- only as a hash; `target` is the kiosk or counter it speaks for.
CREATE TABLE IF NOT EXISTS devices (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('kiosk', 'counter_screen', 'display')),
    target      TEXT,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,            -- SHA-256 of the credential, never the credential
    created_at  REAL NOT NULL,
    created_by  TEXT,
    last_seen   REAL,
    revoked_at  REAL,
    revoked_by  TEXT
);

-- A screen waiting to be paired: it shows `code`; an admin approves it for a kind and target.
CREATE TABLE IF NOT EXISTS pairings (
    code_hash   TEXT PRIMARY KEY,                -- SHA-256 of the short code shown on the screen
    secret_hash TEXT NOT NULL UNIQUE,            -- SHA-256 of the secret the screen polls with
    created_at  REAL NOT NULL,
    kind        TEXT,
    target      TEXT,
    device      TEXT                             -- the device made when an admin approved it
);

-- Staff sessions, server-side: the cookie carries a random id, the table only its hash.
CREATE TABLE IF NOT EXISTS sessions (
    id_hash     TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    last_seen   REAL NOT NULL,
    ended_at    REAL,
    address     TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username);

-- Tickets taken without a kiosk or staff (where the hall allows remote tickets): per source
-- (a keyed hash of the address) and day, so that one phone cannot take the day's numbers.
CREATE TABLE IF NOT EXISTS remote_quota (
    day    TEXT NOT NULL,
    source TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (day, source)
);
