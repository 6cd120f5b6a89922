-- The scheduler's estimate of when a waiting job starts (epoch seconds): the backfill
-- reservation of the top job; NULL when there is none.
ALTER TABLE jobs ADD COLUMN est_start INTEGER;
