-- The web view's queries (head/db/jobs-table-web.ts) on a long history: a user's jobs, a job's
-- name (as qalter last set it; a subjob has none: the query takes its array's) searched and sorted through an index,
-- the counts by queue and state read from an index instead of the rows, jobs ended per minute.
ALTER TABLE jobs ADD COLUMN name TEXT GENERATED ALWAYS AS (coalesce(
  CASE WHEN json_valid(row) THEN json_extract(row, '$.specChanges.name') END,
  CASE WHEN json_valid(spec) THEN json_extract(spec, '$.name') END)) VIRTUAL;
CREATE INDEX jobs_name ON jobs (name, seq);
CREATE INDEX jobs_owner ON jobs (owner, seq);
CREATE INDEX jobs_queue_state ON jobs (queue, state, kind);
CREATE INDEX job_events_type_at ON job_events (type, at);
