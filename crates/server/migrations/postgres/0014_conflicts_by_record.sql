CREATE INDEX conflicts_by_record ON conflicts (commune_id, record_id);
