CREATE INDEX records_by_village ON records (commune_id, village_id, updated_at);
