-- Sổ Thôn schema, version 5: record versions, device ownership, office entries
-- (protocol rules 4 and 5 in sothon_domain::protocol).

-- One counter per commune. Every write to a record takes the next value
-- (inside the writing transaction) as the record's `ver`; the pull cursor is
-- this counter, so a pull asks for `ver > cursor`. The row lock on this table
-- orders a commune's writing transactions, so on an engine with concurrent
-- writers a later commit can never carry a smaller version.
CREATE TABLE commune_sync (
    commune_id TEXT PRIMARY KEY REFERENCES communes (id),
    version    INTEGER NOT NULL
);

ALTER TABLE records ADD COLUMN ver INTEGER NOT NULL DEFAULT 0;
-- The commune officer who entered the current revision on the village's
-- behalf ("nhập hộ"); NULL when the village sent it.
ALTER TABLE records ADD COLUMN entered_by TEXT REFERENCES users (id);

-- Existing records get versions in the order of their old cursor
-- (`updated_at` was strictly increasing per commune).
UPDATE records SET ver = (
    SELECT COUNT(*) FROM records r2
    WHERE r2.commune_id = records.commune_id AND r2.updated_at <= records.updated_at
);
INSERT INTO commune_sync (commune_id, version)
SELECT c.id, COALESCE((SELECT MAX(r.ver) FROM records r WHERE r.commune_id = c.id), 0) FROM communes c;
CREATE INDEX records_by_ver ON records (commune_id, ver);

-- Every device id the commune has seen, bound to the account that first used
-- it: only that account may push mutations made on it. `unsent` is what the
-- phone said at its last sync, so a phone whose storage was cleared can be
-- told what was left.
CREATE TABLE devices (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    device     TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    unsent     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (commune_id, device)
);
CREATE INDEX devices_by_user ON devices (commune_id, user_id, last_seen);

-- Devices already used are bound to the account that sent their first
-- mutation (SQLite takes the bare column from the MIN row).
INSERT INTO devices (commune_id, device, user_id, first_seen, last_seen, unsent)
SELECT commune_id, substr(id, 1, instr(id, ':') - 1), user_id, MIN(received_at), MAX(received_at), 0
FROM mutations
GROUP BY commune_id, substr(id, 1, instr(id, ':') - 1);

-- A conflict's public id, "c-" and 16 hex digits of SHA-256 of its mutation
-- id: lists and URLs name conflicts by it, so device ids are not shown to
-- other accounts. Filled for older rows at start-up (db::conflicts::fill_public_ids).
ALTER TABLE conflicts ADD COLUMN public_id TEXT;
CREATE UNIQUE INDEX conflicts_by_public_id ON conflicts (commune_id, public_id);
