-- Sổ Thôn schema, version 11: many communes, and the provinces above them.
--
-- communes holds the administrative units: the communes (kind 'commune'),
-- and the provinces (kind 'province') they belong to (province_id), so that
-- a province's accounts are keyed like any other account (users.commune_id
-- is the province's unit) and its reads are the aggregates of its communes.
-- Units are loaded with `sothon-server import communes FILE`.
ALTER TABLE communes ADD COLUMN kind TEXT NOT NULL DEFAULT 'commune';
ALTER TABLE communes ADD COLUMN province_id TEXT REFERENCES communes (id);
CREATE INDEX communes_by_province ON communes (province_id, id);
