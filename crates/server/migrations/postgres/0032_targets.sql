CREATE TABLE targets (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    indicator  TEXT NOT NULL,
    year       BIGINT NOT NULL,
    value      TEXT NOT NULL,
    op         TEXT NOT NULL,
    set_by     TEXT NOT NULL REFERENCES users (id),
    set_at     BIGINT NOT NULL,
    PRIMARY KEY (commune_id, indicator, year)
);
