CREATE TABLE due_dates (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    period     TEXT NOT NULL,
    due        TEXT NOT NULL,
    set_by     TEXT NOT NULL,
    set_at     BIGINT NOT NULL,
    PRIMARY KEY (commune_id, period)
);
