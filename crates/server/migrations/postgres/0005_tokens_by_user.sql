CREATE INDEX tokens_by_user ON tokens (user_id);
