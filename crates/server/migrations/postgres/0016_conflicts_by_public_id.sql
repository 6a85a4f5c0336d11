CREATE UNIQUE INDEX conflicts_by_public_id ON conflicts (commune_id, public_id);
