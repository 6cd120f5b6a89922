-- A job's place among the jobs of its priority (qorder swaps the places of two queued jobs): NULL
-- is its seq, the submission order. The scheduler's covering index of the queue (migration 0008)
-- takes the column too, so that a pass still reads one index and no rows.
ALTER TABLE jobs ADD COLUMN qrank INTEGER;
DROP INDEX jobs_pending;
CREATE INDEX jobs_pending ON jobs (priority DESC, seq, id, queue, owner, array_parent, resources, qrank)
  WHERE state = 'Q' AND kind != 'array';
