-- Recurring templates (qsub --cron): each tick submits an ordinary job from the template.
-- `seq` comes from the jobs' sequence counter; the id is C<seq>.<server>.
CREATE TABLE cron_jobs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  schedule TEXT NOT NULL,
  spec TEXT NOT NULL,          -- JobSpec JSON with the script, without the schedule
  next_at INTEGER NOT NULL,    -- epoch seconds of the next tick
  last_at INTEGER,             -- epoch seconds of the last tick that submitted a job
  last_job TEXT,               -- id of that job
  runs INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL
);
