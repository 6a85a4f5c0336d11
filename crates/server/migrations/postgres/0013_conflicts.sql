CREATE TABLE conflicts (
    commune_id   TEXT NOT NULL,
    mutation_id  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    base         BIGINT NOT NULL,
    device       TEXT NOT NULL,
    body         TEXT NOT NULL,
    at           BIGINT NOT NULL,
    resolved     BOOLEAN NOT NULL DEFAULT FALSE,
    resolution   TEXT,
    resolved_by  TEXT REFERENCES users (id),
    resolved_at  BIGINT,
    resolved_rev BIGINT,
    public_id    TEXT,
    PRIMARY KEY (commune_id, mutation_id)
);
