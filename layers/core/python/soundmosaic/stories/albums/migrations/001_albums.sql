-- AlbumDreamer's SQL schema, version 1: albums, tracks, prompts, assets, generation runs.
-- Portable SQL (SQLite locally, Aurora PostgreSQL in AWS): TEXT/INTEGER/REAL, ids made by the
-- application, times as UTC ISO 8601 text, JSON as text. Every row names its artist (tenant).
CREATE TABLE albums (
  album_id TEXT PRIMARY KEY,
  artist_id TEXT NOT NULL,
  title TEXT NOT NULL,
  concept TEXT NOT NULL,
  description TEXT NOT NULL,
  genre TEXT NOT NULL,
  director_engine TEXT NOT NULL,
  status TEXT NOT NULL,
  site_key TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX albums_artist ON albums (artist_id, created_at);
CREATE TABLE tracks (
  album_id TEXT NOT NULL REFERENCES albums (album_id),
  number INTEGER NOT NULL,
  artist_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  tempo_bpm INTEGER NOT NULL,
  musical_key TEXT NOT NULL,
  mood TEXT NOT NULL,
  instrumentation TEXT NOT NULL,
  seconds INTEGER NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (album_id, number)
);
CREATE TABLE prompts (
  prompt_id TEXT PRIMARY KEY,
  album_id TEXT NOT NULL REFERENCES albums (album_id),
  artist_id TEXT NOT NULL,
  track_number INTEGER,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX prompts_album ON prompts (album_id);
CREATE TABLE assets (
  asset_id TEXT PRIMARY KEY,
  album_id TEXT NOT NULL REFERENCES albums (album_id),
  artist_id TEXT NOT NULL,
  track_number INTEGER,
  kind TEXT NOT NULL,
  s3_key TEXT NOT NULL,
  content_type TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  engine TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX assets_album ON assets (album_id);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  album_id TEXT NOT NULL REFERENCES albums (album_id),
  artist_id TEXT NOT NULL,
  track_number INTEGER,
  step TEXT NOT NULL,
  engine TEXT NOT NULL,
  status TEXT NOT NULL,
  seconds REAL NOT NULL,
  cost_usd TEXT NOT NULL,
  error TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX runs_album ON runs (album_id);
