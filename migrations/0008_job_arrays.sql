-- Job arrays (qsub -J / -t): the parent is a row of kind 'array'; each subjob is a row of kind
-- 'subjob' with its own internal seq (from next_subjob_seq, above any id users can type), its
-- parent's seq and its index. A subjob's spec and script are its parent's (the column holds '').
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'job';
ALTER TABLE jobs ADD COLUMN array_parent INTEGER REFERENCES jobs (seq);
ALTER TABLE jobs ADD COLUMN array_index INTEGER;
CREATE INDEX jobs_subjobs ON jobs (array_parent, state, array_index) WHERE array_parent IS NOT NULL;
INSERT INTO meta (key, value) VALUES ('next_subjob_seq', '1000000000000');
