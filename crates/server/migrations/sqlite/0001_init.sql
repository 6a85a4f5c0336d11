-- Sổ Thôn schema, version 1.
--
-- Written to move to PostgreSQL (and the distributed engines that speak its
-- protocol) without changing the sync protocol:
--   * every id is text made by a client or by the server at random, never an
--     AUTOINCREMENT or a sequence the protocol depends on;
--   * tables that grow with use are keyed by the commune first, so a commune's
--     rows stay together when the data is sharded;
--   * times are integers, milliseconds since the epoch (server clock unless
--     the column says device);
--   * only portable types: TEXT, INTEGER (BIGINT in PostgreSQL), JSON as TEXT.

CREATE TABLE communes (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE villages (
    id         TEXT PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes (id),
    name       TEXT NOT NULL,
    -- 1: demo data, not a real village.
    sample     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX villages_by_commune ON villages (commune_id, id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    -- village_head | digital_team | officer | admin
    role          TEXT NOT NULL,
    commune_id    TEXT NOT NULL REFERENCES communes (id),
    -- Set for village-scoped roles only.
    village_id    TEXT REFERENCES villages (id),
    -- Argon2id, PHC string.
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Bearer tokens; only the SHA-256 of a token is stored, so a copy of the
-- database does not hand out sessions.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX tokens_by_user ON tokens (user_id);

-- The current state of every record (one report per village and period).
CREATE TABLE records (
    commune_id  TEXT NOT NULL REFERENCES communes (id),
    id          TEXT NOT NULL,
    village_id  TEXT NOT NULL REFERENCES villages (id),
    -- What the body is: `report` (later also incidents, activity logs).
    kind        TEXT NOT NULL,
    period      TEXT,
    -- protocol::Body as JSON.
    body        TEXT NOT NULL,
    rev         INTEGER NOT NULL,
    -- received | conflict | returned | approved
    state       TEXT NOT NULL,
    receipt     TEXT NOT NULL,
    -- Review comment from the commune office.
    comment     TEXT NOT NULL DEFAULT '',
    -- Origin device of the edit that made the current revision.
    last_device TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Strictly increasing per commune: the pull cursor.
    updated_at  INTEGER NOT NULL,
    -- Device clock of the current revision's edit, and that device's skew
    -- (server minus device) when it was pushed.
    device_at   INTEGER NOT NULL,
    skew_ms     INTEGER NOT NULL,
    PRIMARY KEY (commune_id, id)
);
CREATE INDEX records_by_time ON records (commune_id, updated_at);
CREATE INDEX records_by_village ON records (commune_id, village_id, updated_at);

-- Highest mutation seq seen per record and origin device: a late, reordered
-- older edit is answered `superseded`.
CREATE TABLE record_seq (
    commune_id TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    device     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (commune_id, record_id, device)
);

-- Every mutation ever received, with the answer given: a replay gets the same
-- answer and is never applied twice. Also the audit trail of who sent what.
CREATE TABLE mutations (
    commune_id  TEXT NOT NULL,
    -- "{device}:{seq}", made by the phone.
    id          TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    -- The device that pushed it (can differ from the origin in the id).
    device      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    record_id   TEXT NOT NULL,
    base        INTEGER NOT NULL,
    -- applied | superseded | conflict
    status      TEXT NOT NULL,
    -- protocol::MutationResult as JSON, returned verbatim on replay.
    result      TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    -- Device clock when the mutation was saved and when it was pushed.
    device_at   INTEGER NOT NULL,
    device_now  INTEGER NOT NULL,
    skew_ms     INTEGER NOT NULL,
    PRIMARY KEY (commune_id, id)
);
CREATE INDEX mutations_by_record ON mutations (commune_id, record_id);

-- Edits that could not be applied (stale base from another device, or the
-- record was already approved): kept for a person to resolve, never dropped.
CREATE TABLE conflicts (
    commune_id  TEXT NOT NULL,
    mutation_id TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    base        INTEGER NOT NULL,
    -- Origin device.
    device      TEXT NOT NULL,
    body        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    resolved    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (commune_id, mutation_id)
);
CREATE INDEX conflicts_by_record ON conflicts (commune_id, record_id);
