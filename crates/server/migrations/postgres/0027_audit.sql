CREATE TABLE audit (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    id         TEXT NOT NULL,
    at         BIGINT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    record_id  TEXT,
    village_id TEXT,
    detail     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (commune_id, id)
);
