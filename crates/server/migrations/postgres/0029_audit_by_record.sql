CREATE INDEX audit_by_record ON audit (commune_id, record_id, at);
