-- Services run as jobs (head/service/). A service: its owner, how brokers serve it (the
-- ServiceView's settings and --zone-spread, JSON), the job every instance runs (a JobSpec without
-- its name and service, JSON), how many instances are wanted, and whether it runs or is stopping
-- (removed once its last instance job has ended). An instance: the job that runs it now and,
-- while its current attempt answers, where (host and port, the node, its zone label, the job's
-- CPUs there); `restarts` counts its attempts in a row that ended within seconds (each waits
-- longer before it starts again).
CREATE TABLE services (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  settings TEXT NOT NULL,
  spec TEXT NOT NULL,
  wanted INTEGER NOT NULL,
  state TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE service_instances (
  service TEXT NOT NULL REFERENCES services (name) ON DELETE CASCADE,
  instance INTEGER NOT NULL,
  job INTEGER NOT NULL,
  attempt INTEGER,
  host TEXT,
  port INTEGER,
  node TEXT,
  zone TEXT,
  ncpus INTEGER,
  restarts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (service, instance)
);
CREATE INDEX service_instances_job ON service_instances (job);
