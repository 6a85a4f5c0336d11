CREATE TABLE records (
    commune_id  TEXT NOT NULL REFERENCES communes (id),
    id          TEXT NOT NULL,
    village_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    period      TEXT,
    body        TEXT NOT NULL,
    rev         BIGINT NOT NULL,
    state       TEXT NOT NULL,
    receipt     TEXT NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    last_device TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    device_at   BIGINT NOT NULL,
    skew_ms     BIGINT NOT NULL,
    -- The commune's version when the record was last written (the pull cursor).
    ver         BIGINT NOT NULL DEFAULT 0,
    entered_by  TEXT REFERENCES users (id),
    PRIMARY KEY (commune_id, id),
    FOREIGN KEY (commune_id, village_id) REFERENCES villages (commune_id, id)
);
