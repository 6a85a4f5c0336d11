CREATE TABLE incident_steps (
    commune_id TEXT NOT NULL REFERENCES communes (id),
    record_id  TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    step       TEXT NOT NULL,
    note       TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    at         BIGINT NOT NULL,
    PRIMARY KEY (commune_id, record_id, seq)
);
