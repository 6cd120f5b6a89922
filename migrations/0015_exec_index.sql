-- Each chunk a running job holds on a node has its index there, the `/N` of its exec_host
-- (`n1/1*2`), as OpenPBS's server gives it: the lowest index no other chunk on the node holds,
-- kept until the job lets the node go (head/db/allocations-table.ts). Chunks allocated before
-- this column existed keep 0.
ALTER TABLE allocations ADD COLUMN exec_index INTEGER NOT NULL DEFAULT 0;
