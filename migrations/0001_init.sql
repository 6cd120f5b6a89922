-- Drover head database. job_events is the truth; jobs holds the row the reducer derives.
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE queues (
  name TEXT PRIMARY KEY,
  enabled INTEGER NOT NULL DEFAULT 1,
  started INTEGER NOT NULL DEFAULT 1,
  priority INTEGER NOT NULL DEFAULT 0
);
INSERT INTO queues (name) VALUES ('workq');
INSERT INTO meta (key, value) VALUES ('default_queue', 'workq'), ('next_seq', '0');

CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  queue TEXT NOT NULL,
  spec TEXT NOT NULL,          -- JobSpec JSON without the script
  output_path TEXT NOT NULL,
  error_path TEXT NOT NULL,
  ctime INTEGER NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  node TEXT,
  attempt INTEGER NOT NULL DEFAULT 0,
  row TEXT NOT NULL,           -- JobRow JSON (core/lifecycle/job-events.ts)
  sched_comment TEXT,          -- the scheduler's reason while the job waits
  usage TEXT                   -- latest sampled ResourceUsage JSON while running
);
CREATE INDEX jobs_pending ON jobs (priority DESC, seq) WHERE state = 'Q';
CREATE INDEX jobs_state ON jobs (state);
CREATE INDEX jobs_node ON jobs (node) WHERE state IN ('R', 'E');

CREATE TABLE job_scripts (
  seq INTEGER PRIMARY KEY REFERENCES jobs (seq),
  script TEXT NOT NULL
);

CREATE TABLE job_events (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL REFERENCES jobs (seq),
  at INTEGER NOT NULL,         -- epoch milliseconds
  type TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX job_events_seq ON job_events (seq, id);

CREATE TABLE nodes (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,          -- 'local' or 'ssh'
  host TEXT NOT NULL,
  state_dir TEXT NOT NULL,
  ncpus INTEGER NOT NULL DEFAULT 0,
  mem INTEGER NOT NULL DEFAULT 0,
  ngpus INTEGER NOT NULL DEFAULT 0,
  labels TEXT NOT NULL DEFAULT '{}',
  offline INTEGER NOT NULL DEFAULT 0,
  comment TEXT,
  last_state_change INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE allocations (
  seq INTEGER NOT NULL REFERENCES jobs (seq),
  node TEXT NOT NULL,
  slot INTEGER NOT NULL,
  ncpus INTEGER NOT NULL,
  mem INTEGER NOT NULL,
  gpus TEXT NOT NULL,          -- JSON array of GPU indices
  mpiprocs INTEGER NOT NULL,
  exclusive INTEGER NOT NULL,
  PRIMARY KEY (seq, slot)
);
CREATE INDEX allocations_node ON allocations (node);
