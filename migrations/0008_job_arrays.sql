-- Job arrays (qsub -J / -t): the parent is a row of kind 'array'; each subjob is a row of kind
-- 'subjob' with its own internal seq (from next_subjob_seq, above any id users can type), its
-- parent's seq and its index. A subjob's spec and script are its parent's (the column holds '').
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'job';
ALTER TABLE jobs ADD COLUMN array_parent INTEGER REFERENCES jobs (seq);
ALTER TABLE jobs ADD COLUMN array_index INTEGER;
CREATE INDEX jobs_subjobs ON jobs (array_parent, state, array_index) WHERE array_parent IS NOT NULL;
INSERT INTO meta (key, value) VALUES ('next_subjob_seq', '1000000000000');

-- The scheduler's read of the queue: a covering index over what it needs (the resources in a
-- column of their own), so that a pass over 50,000 queued jobs reads one index and no rows.
ALTER TABLE jobs ADD COLUMN resources TEXT;
UPDATE jobs SET resources = json_extract(row, '$.resources');
DROP INDEX jobs_pending;
CREATE INDEX jobs_pending ON jobs (priority DESC, seq, id, queue, owner, array_parent, resources)
  WHERE state = 'Q' AND kind != 'array';
