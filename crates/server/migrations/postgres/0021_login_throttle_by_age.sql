CREATE INDEX login_throttle_by_age ON login_throttle (last_at);
