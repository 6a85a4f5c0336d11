CREATE INDEX audit_by_time ON audit (commune_id, at);
