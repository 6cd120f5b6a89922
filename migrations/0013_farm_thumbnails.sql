-- Thumbnails of a render farm's finished frames: the small image (JPEG or PNG, at most 64 KiB)
-- the node that rendered a frame made of its output file, and the task attempt that made it.
-- Kept in the database rather than in files: a few kilobytes a frame, written in the transaction
-- that records the agent's message, removed with the frame's task when it is rendered again,
-- and replicated to a standby with every other write. Shown only while the frame is done.
CREATE TABLE farm_thumbnails (
  farm INTEGER NOT NULL,
  frame INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  type TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (farm, frame)
);
