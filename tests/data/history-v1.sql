-- A history as relgate's first schema left it (schema 1), for the migration test
-- (t0200).  Made from that version's CREATE statements and one release.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE releases (  seq INTEGER PRIMARY KEY,  id TEXT NOT NULL UNIQUE,  product TEXT NOT NULL,  state TEXT NOT NULL,  digest TEXT, stored_digest TEXT,  files BIGINT NOT NULL DEFAULT 0, bytes BIGINT NOT NULL DEFAULT 0,  new_bytes BIGINT NOT NULL DEFAULT 0,  commit_id TEXT, dirty INTEGER NOT NULL DEFAULT 0,  user_name TEXT, host TEXT, created TEXT NOT NULL, created_ms BIGINT NOT NULL,  reason TEXT, forced INTEGER NOT NULL DEFAULT 0, gate TEXT,  bad INTEGER NOT NULL DEFAULT 0, bad_reason TEXT);
CREATE INDEX releases_by_product ON releases (product, seq);
CREATE TABLE activations (  seq INTEGER PRIMARY KEY,  product TEXT NOT NULL,  from_release TEXT REFERENCES releases (id),  to_release TEXT NOT NULL REFERENCES releases (id),  kind TEXT NOT NULL, reason TEXT,  user_name TEXT, host TEXT, at TEXT NOT NULL, at_ms BIGINT NOT NULL,  switch_us BIGINT NOT NULL DEFAULT 0);
CREATE INDEX activations_by_product ON activations (product, seq);
CREATE TABLE gate_runs (  seq INTEGER PRIMARY KEY,  product TEXT NOT NULL, digest TEXT NOT NULL, verdict TEXT NOT NULL,  commit_id TEXT, user_name TEXT, host TEXT, at TEXT NOT NULL, at_ms BIGINT NOT NULL);
CREATE INDEX gate_runs_by_digest ON gate_runs (product, digest);
INSERT INTO meta (key, value) VALUES ('schema', '1');
INSERT INTO releases (seq, id, product, state, digest, stored_digest, files, bytes, new_bytes, commit_id, dirty, user_name, host, created, created_ms, reason, forced, gate, bad)
VALUES (1, 'r000001', 'web', 'complete', 'sha256:00', 'sha256:00', 1, 3, 3, NULL, 0, 'ci', 'host', '2026-12-01T10:00:00.000Z', 1796119200000, 'v1', 0, 'passed', 0);
INSERT INTO activations (product, from_release, to_release, kind, reason, user_name, host, at, at_ms, switch_us)
VALUES ('web', NULL, 'r000001', 'release', 'v1', 'ci', 'host', '2026-12-01T10:00:00.000Z', 1796119200000, 300);
