-- Due dates the commune office sets per period; a period without one is due
-- five days after it ends (sothon_domain::Period::default_due).
CREATE TABLE due_dates (
    commune_id TEXT NOT NULL REFERENCES communes(id),
    period     TEXT NOT NULL,
    due        TEXT NOT NULL,
    set_by     TEXT NOT NULL,
    set_at     INTEGER NOT NULL,
    PRIMARY KEY (commune_id, period)
);
