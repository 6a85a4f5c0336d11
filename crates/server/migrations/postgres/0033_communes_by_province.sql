CREATE INDEX communes_by_province ON communes (province_id, id);
