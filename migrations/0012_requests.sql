-- Submissions by request id: the id a command sends with a POST (X-Drover-Request), recorded
-- with the job it created in the transaction that stores the job, so that the same request sent
-- again (a command retrying against another head after its first head died) answers that job
-- instead of making a second one. Per user (the requester's name, not its host, which two heads
-- may resolve differently): an id names only its user's own job. Rows older than a day are
-- pruned as new ones arrive (head/db/requests-table.ts).
CREATE TABLE requests (
  user TEXT NOT NULL,
  request_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (user, request_id)
) WITHOUT ROWID;
CREATE INDEX requests_at ON requests (at);
