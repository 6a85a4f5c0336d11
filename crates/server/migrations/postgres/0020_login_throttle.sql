-- Global lookup table: failed logins by user name or address, shared by
-- every server instance (nothing of it is held in memory).
CREATE TABLE login_throttle (
    kind     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    failures BIGINT NOT NULL,
    next_at  BIGINT NOT NULL,
    last_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, subject)
);
