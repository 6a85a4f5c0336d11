-- Sổ Thôn schema, version 4: village ids scoped to their commune, and the
-- login throttle and device tokens kept in the database. Same rules as 0001
-- (text ids, commune-first keys where a commune owns the rows, times in
-- server ms, portable types only, no AUTOINCREMENT).
--
-- The tables that point at `villages` are rebuilt (SQLite cannot change a
-- key in place) by SQLite's documented procedure
-- (https://www.sqlite.org/lang_altertable.html#otheralter): new table,
-- copy, drop the old, rename the new. That needs foreign keys off, which
-- `db::migrate` does around every migration (sqlx runs this file inside its
-- own transaction, where the pragma cannot change); it checks every foreign
-- key once the migrations are done.
--
-- Usernames need no change: they are checked to be ASCII lower-case when
-- created, which the login's normalisation (trim, NFC, lower-case) leaves
-- as they are.

-- Village ids were global, so a second commune could not have its own
-- "pq-t02". Now (commune_id, id) is the key, and what points at a village
-- names its commune too.
CREATE TABLE villages_new (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    -- 1: demo data, not a real village.
    sample     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (commune_id, id)
);
INSERT INTO villages_new (commune_id, id, name, sample) SELECT commune_id, id, name, sample FROM villages;
DROP TABLE villages;
ALTER TABLE villages_new RENAME TO villages;

CREATE TABLE users_new (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    -- village_head | digital_team | officer | admin
    role          TEXT NOT NULL,
    commune_id    TEXT NOT NULL REFERENCES communes (id),
    -- Set for village-scoped roles only: a village of the user's commune.
    village_id    TEXT,
    -- Argon2id, PHC string.
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    FOREIGN KEY (commune_id, village_id) REFERENCES villages (commune_id, id)
);
INSERT INTO users_new (id, username, name, role, commune_id, village_id, password_hash, created_at)
    SELECT id, username, name, role, commune_id, village_id, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE records_new (
    commune_id  TEXT NOT NULL REFERENCES communes (id),
    id          TEXT NOT NULL,
    village_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    period      TEXT,
    body        TEXT NOT NULL,
    rev         INTEGER NOT NULL,
    state       TEXT NOT NULL,
    receipt     TEXT NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    last_device TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    device_at   INTEGER NOT NULL,
    skew_ms     INTEGER NOT NULL,
    PRIMARY KEY (commune_id, id),
    FOREIGN KEY (commune_id, village_id) REFERENCES villages (commune_id, id)
);
INSERT INTO records_new (commune_id, id, village_id, kind, period, body, rev, state, receipt, comment,
                         last_device, created_at, updated_at, device_at, skew_ms)
    SELECT commune_id, id, village_id, kind, period, body, rev, state, receipt, comment,
           last_device, created_at, updated_at, device_at, skew_ms FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_by_time ON records (commune_id, updated_at);
CREATE INDEX records_by_village ON records (commune_id, village_id, updated_at);

-- Login attempts, counted before the password is checked, so that several
-- server processes share the count and a burst cannot outrun it. One row
-- per account (`kind` = 'account', `subject` the normalised username,
-- known or not) and per client address ('address': an IPv4 address or an
-- IPv6 /64). Rows nobody has tried for a while are deleted.
CREATE TABLE login_throttle (
    kind     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    -- Attempts counted and not taken back (a successful one is).
    failures INTEGER NOT NULL,
    -- No password is checked for this subject before this time.
    next_at  INTEGER NOT NULL,
    -- The last counted attempt.
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, subject)
);
CREATE INDEX login_throttle_by_age ON login_throttle (last_at);

-- A phone that has logged in to an account keeps a secret for it, sent at
-- the next login: with it the account's and the address's delays do not
-- apply, only the token's own count of wrong passwords. Only the SHA-256 of
-- the secret is stored.
CREATE TABLE device_tokens (
    token_hash TEXT PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes (id),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    -- The last successful login with it.
    last_used  INTEGER NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX device_tokens_by_user ON device_tokens (user_id, last_used);
