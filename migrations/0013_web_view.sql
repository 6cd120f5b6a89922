-- The web view's queries (head/db/jobs-table-web.ts): a user's jobs, and jobs ended per minute.
CREATE INDEX jobs_owner ON jobs (owner, seq);
CREATE INDEX job_events_type_at ON job_events (type, at);
