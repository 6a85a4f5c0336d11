CREATE INDEX reviews_by_record ON reviews (commune_id, record_id, at);
