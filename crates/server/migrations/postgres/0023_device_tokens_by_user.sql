CREATE INDEX device_tokens_by_user ON device_tokens (user_id, last_used);
