CREATE TABLE reviews (
    commune_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    rev        BIGINT NOT NULL,
    decision   TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    user_id    TEXT NOT NULL REFERENCES users (id),
    at         BIGINT NOT NULL,
    body       TEXT,
    PRIMARY KEY (commune_id, id)
);
