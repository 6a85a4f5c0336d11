-- Global lookup table: an account is found by its user name (unique in the
-- deployment) before its commune is known; on Citus a reference table.
CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL,
    commune_id           TEXT NOT NULL REFERENCES communes (id),
    village_id           TEXT,
    password_hash        TEXT NOT NULL,
    -- Server time, ms since the epoch (every *_at / *_seen below too).
    created_at           BIGINT NOT NULL,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    phone                TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (commune_id, village_id) REFERENCES villages (commune_id, id)
);
