CREATE TABLE record_seq (
    commune_id TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    device     TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    PRIMARY KEY (commune_id, record_id, device)
);
