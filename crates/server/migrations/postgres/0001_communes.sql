-- Reference table (small, read everywhere): one row per commune.
CREATE TABLE communes (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
