CREATE INDEX records_by_time ON records (commune_id, updated_at);
