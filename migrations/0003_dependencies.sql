-- Job dependencies (-W depend=): one row per edge still waiting; an edge goes when it is met.
-- `child` may run only once `parent` has done what `type` (after, afterok, afternotok, afterany)
-- asks; before* lists are stored as the after* edges of the jobs they name.
CREATE TABLE job_dependencies (
  child INTEGER NOT NULL REFERENCES jobs (seq),
  parent INTEGER NOT NULL REFERENCES jobs (seq),
  type TEXT NOT NULL,
  PRIMARY KEY (child, parent, type)
);
CREATE INDEX job_dependencies_parent ON job_dependencies (parent);
