-- Fair share: a queue may order its jobs by how much each user used lately. Usage is
-- allocated CPU-seconds, decayed with a half-life: stored as the value at `at` (epoch seconds).
ALTER TABLE queues ADD COLUMN fairshare INTEGER NOT NULL DEFAULT 0;
CREATE TABLE fairshare_usage (
  user TEXT PRIMARY KEY,
  usage REAL NOT NULL,
  at INTEGER NOT NULL
);
