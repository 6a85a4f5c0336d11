-- Reference table: a commune's villages (thôn), keyed within the commune.
CREATE TABLE villages (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    sample     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (commune_id, id)
);
