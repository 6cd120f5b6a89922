-- Render farm. A farm is an array job (its parent's seq); each subjob renders one
-- chunk of frames. Per frame: its state, percent, the node and attempt that last rendered it
-- and the output file its renderer reported. Per failed attempt of a task: the node, the exit,
-- the last lines of its log; `counted` is cleared when an admin clears the node's blocklisting.
CREATE TABLE farm_frames (
  farm INTEGER NOT NULL,
  frame INTEGER NOT NULL,
  position INTEGER NOT NULL,
  task INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  percent REAL NOT NULL DEFAULT 0,
  node TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  output TEXT,
  PRIMARY KEY (farm, frame)
) WITHOUT ROWID;
CREATE INDEX farm_frames_task ON farm_frames (farm, task, position);
CREATE TABLE farm_failures (
  farm INTEGER NOT NULL,
  task INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  node TEXT NOT NULL,
  status INTEGER NOT NULL,
  reason TEXT,
  at INTEGER NOT NULL,
  tail TEXT NOT NULL,
  counted INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (farm, task, attempt)
);
-- the farm's post job (--then), once submitted, and the frames its check found missing
CREATE TABLE farm_posts (
  farm INTEGER PRIMARY KEY,
  job INTEGER,
  missing TEXT
);
