-- Sổ Thôn schema, version 8: the commune office's desk.
--
-- incident_steps: the office's handling of an incident (acknowledged →
-- handling → handled), one row per step, in order (`seq` 1, 2, 3). Each step
-- also bumps the incident record's `ver`, so the village's next pull brings
-- the steps with the record. Rows are never updated or deleted.
--
-- users: the admin can disable an account (it cannot log in; its tokens are
-- deleted and refused), reset its password (the person must set a new one
-- at next login), and keep a phone number for the reminders' sms: link.
CREATE TABLE incident_steps (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    record_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    -- sothon_domain::handling::Step::as_str
    step       TEXT NOT NULL,
    note       TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    -- Server time, ms since the epoch.
    at         INTEGER NOT NULL,
    PRIMARY KEY (commune_id, record_id, seq)
);

ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
