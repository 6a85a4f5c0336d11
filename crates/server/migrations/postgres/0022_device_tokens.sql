-- Global lookup table: a device token is found by its hash.
CREATE TABLE device_tokens (
    token_hash TEXT PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes (id),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_used  BIGINT NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL DEFAULT 0
);
