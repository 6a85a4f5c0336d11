-- Sổ Thôn schema, version 2: the commune office's review decisions and the
-- resolution of conflicts. Same rules as 0001 (text ids made at random,
-- commune-first keys, times in server ms, portable types only).

-- Every review decision ever taken: who, when, on which revision, what.
-- `records.state` and `records.comment` hold the latest one; this table is
-- the history (a record returned twice, then approved, has three rows).
CREATE TABLE reviews (
    commune_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    -- The revision the decision was taken on.
    rev        INTEGER NOT NULL,
    -- approve | return
    decision   TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    user_id    TEXT NOT NULL REFERENCES users (id),
    at         INTEGER NOT NULL,
    PRIMARY KEY (commune_id, id)
);
CREATE INDEX reviews_by_record ON reviews (commune_id, record_id, at);

-- How a conflict was settled (all NULL while `resolved` is 0).
-- current | incoming
ALTER TABLE conflicts ADD COLUMN resolution TEXT;
ALTER TABLE conflicts ADD COLUMN resolved_by TEXT REFERENCES users (id);
ALTER TABLE conflicts ADD COLUMN resolved_at INTEGER;
-- The revision the resolution made current (the kept one, or the new one).
ALTER TABLE conflicts ADD COLUMN resolved_rev INTEGER;
CREATE INDEX conflicts_unresolved ON conflicts (commune_id, resolved, record_id);
