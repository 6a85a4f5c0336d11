-- The commune's version counter: every write to a record takes the next
-- one inside its transaction, which orders the commune's writers.
CREATE TABLE commune_sync (
    commune_id TEXT PRIMARY KEY REFERENCES communes (id),
    version    BIGINT NOT NULL
);
