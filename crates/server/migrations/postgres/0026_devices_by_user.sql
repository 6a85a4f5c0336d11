CREATE INDEX devices_by_user ON devices (commune_id, user_id, last_seen);
