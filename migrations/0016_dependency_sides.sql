-- Job dependencies stay after they are settled, for the `depend` attribute both jobs show as PBS
-- does (core/pbs/depend-attribute.ts): the child lists `afterok:P` until P releases it, the parent
-- lists the mirror `beforeok:C` for good, once finished too.
-- `state`: waiting (the child waits on it), met (released: the child no longer shows it), closed
-- (the child ended before it was met). `shown`: both, or only the side that named the other job
-- when that job had already finished or started and so never took the dependency (child, parent).
ALTER TABLE job_dependencies ADD COLUMN state TEXT NOT NULL DEFAULT 'waiting';
ALTER TABLE job_dependencies ADD COLUMN shown TEXT NOT NULL DEFAULT 'both';
