-- Queue limits (NULL = none): running jobs per queue and per user in it, walltime ceiling and
-- default (seconds).
ALTER TABLE queues ADD COLUMN max_run INTEGER;
ALTER TABLE queues ADD COLUMN max_run_per_user INTEGER;
ALTER TABLE queues ADD COLUMN max_walltime INTEGER;
ALTER TABLE queues ADD COLUMN default_walltime INTEGER;
