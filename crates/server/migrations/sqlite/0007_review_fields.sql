-- Sổ Thôn schema, version 7: reviewing a report field by field.
--
-- A return carries a reason (reviews.comment) and optional comments on
-- individual fields; and each decision keeps the body it was taken on, so
-- a resubmission can show exactly what changed since the return (records
-- holds only the current body). Same rules as before: commune-first keys,
-- portable types, no triggers, times from the server.

-- The reviewed revision's body (protocol::Body JSON); NULL for decisions
-- taken before this version.
ALTER TABLE reviews ADD COLUMN body TEXT;

-- A return's comment on one field: an indicator key, or `difficulties` /
-- `proposals`. Written with its review, in the same transaction; never
-- updated.
CREATE TABLE review_fields (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    review_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    comment    TEXT NOT NULL,
    -- Catalogue order, so the phone lists them as the form does.
    pos        INTEGER NOT NULL,
    PRIMARY KEY (commune_id, review_id, field)
);
