-- Advance reservations (pbs_rsub, head/reservations/): `R<seq>.<server>`, seq taken from the job
-- counter; its queue `R<seq>` is in `queues` while it lives. state: unconfirmed, confirmed,
-- running (inside its window), deleting (its jobs are being deleted, at its end or by pbs_rdel;
-- the row and the queue go once no job of the queue is left unfinished). Times are epoch seconds;
-- resources the ResourceRequest (JSON), slots where it was confirmed (JSON Slot[], NULL before),
-- kept what it keeps per node (JSON ResvNode[]), auth_users its Authorized_Users (JSON), mail its
-- Mail_Points and Mail_Users (JSON).
CREATE TABLE reservations (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  owner TEXT NOT NULL,
  state TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  resources TEXT NOT NULL,
  slots TEXT,
  kept TEXT,
  auth_users TEXT NOT NULL,
  mail TEXT NOT NULL DEFAULT '{}',
  ctime INTEGER NOT NULL,
  mtime INTEGER NOT NULL
);
