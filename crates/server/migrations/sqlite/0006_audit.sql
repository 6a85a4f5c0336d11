-- Sổ Thôn schema, version 6: the audit trail. Every decision the office takes
-- (approve, return, conflict resolution, incident step, due date, account,
-- village, target) is one row, written in the same transaction as the
-- decision itself, so the trail can never say less than what happened.
-- Rows are never updated or deleted.
CREATE TABLE audit (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    id         TEXT NOT NULL,
    -- Server time, ms since the epoch.
    at         INTEGER NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    -- sothon_domain::api::AuditAction::as_str
    action     TEXT NOT NULL,
    -- What it is about: a record id, a username, a period, a village id…
    subject    TEXT NOT NULL,
    -- The record and village it concerns, when it concerns one.
    record_id  TEXT,
    village_id TEXT,
    -- What was decided, in plain Vietnamese.
    detail     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (commune_id, id)
);
CREATE INDEX audit_by_time ON audit (commune_id, at);
CREATE INDEX audit_by_record ON audit (commune_id, record_id, at);
