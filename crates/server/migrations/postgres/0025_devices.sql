CREATE TABLE devices (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    device     TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    unsent     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (commune_id, device)
);
