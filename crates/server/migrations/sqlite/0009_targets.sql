-- Sổ Thôn schema, version 9: the commune's 2026–2030 targets (the plan's
-- appendix), one per indicator and year, set by the commune admin. A change
-- overwrites the row; the audit trail keeps what it was (`action = 'target'`).
CREATE TABLE targets (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    -- A catalogue indicator key.
    indicator  TEXT NOT NULL,
    year       INTEGER NOT NULL,
    -- The target value in the indicator's stored unit (a rate in %), as a
    -- decimal in text ("95.5"): exact, and the schema keeps to TEXT/INTEGER.
    value      TEXT NOT NULL,
    -- ge | le | eq (sothon_domain::figures::TargetOp)
    op         TEXT NOT NULL,
    set_by     TEXT NOT NULL REFERENCES users (id),
    -- Server time, ms since the epoch.
    set_at     INTEGER NOT NULL,
    PRIMARY KEY (commune_id, indicator, year)
);
