CREATE INDEX records_by_ver ON records (commune_id, ver);
