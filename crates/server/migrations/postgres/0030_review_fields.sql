CREATE TABLE review_fields (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    review_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    comment    TEXT NOT NULL,
    pos        BIGINT NOT NULL,
    PRIMARY KEY (commune_id, review_id, field)
);
