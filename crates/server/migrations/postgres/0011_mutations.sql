CREATE TABLE mutations (
    commune_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    device      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    record_id   TEXT NOT NULL,
    base        BIGINT NOT NULL,
    status      TEXT NOT NULL,
    result      TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    device_at   BIGINT NOT NULL,
    device_now  BIGINT NOT NULL,
    skew_ms     BIGINT NOT NULL,
    -- The commune version the mutation's write took: the log's commit order.
    pos         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (commune_id, id)
);
