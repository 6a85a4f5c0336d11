-- Sổ Thôn schema, version 10: the mutation log's order.
--
-- pos: the commune version the mutation's write took (a superseded one
-- takes a version of its own), so that the log can be read in commit order
-- on every engine (PostgreSQL has no rowid). 0 for mutations stored before.
ALTER TABLE mutations ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
