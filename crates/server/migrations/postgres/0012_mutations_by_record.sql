CREATE INDEX mutations_by_record ON mutations (commune_id, record_id);
