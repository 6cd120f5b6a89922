-- Nodes reached over SSH: how to connect, how to start the agent, and capacities the admin
-- fixed (NULL = use what the agent discovers).
ALTER TABLE nodes ADD COLUMN port INTEGER NOT NULL DEFAULT 22;
ALTER TABLE nodes ADD COLUMN user TEXT;
ALTER TABLE nodes ADD COLUMN identity TEXT;
ALTER TABLE nodes ADD COLUMN agent_cmd TEXT;
ALTER TABLE nodes ADD COLUMN fixed_ncpus INTEGER;
ALTER TABLE nodes ADD COLUMN fixed_mem INTEGER;
ALTER TABLE nodes ADD COLUMN fixed_ngpus INTEGER;
