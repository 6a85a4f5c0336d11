-- Reference table (small, read everywhere): the administrative units, the
-- communes (kind 'commune') and the provinces above them (kind 'province',
-- the communes' province_id). A province's accounts belong to its unit.
CREATE TABLE communes (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'commune',
    province_id TEXT REFERENCES communes (id)
);
