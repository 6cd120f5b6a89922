-- Fencing: the admin's fence command of a node (argv words, e.g. a power switch
-- call; none = software fencing only), and the attempts the head took away from a node, which
-- its agent must kill before it reports anything (sent in hello until the agent has answered).
ALTER TABLE nodes ADD COLUMN fence_cmd TEXT;
CREATE TABLE fences (
  node TEXT NOT NULL,
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (node, job_id, attempt)
);
