CREATE INDEX conflicts_unresolved ON conflicts (commune_id, resolved, record_id);
