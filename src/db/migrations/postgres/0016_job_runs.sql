-- Issue 21: background jobs run once across every Latchkey instance sharing this database.
-- job_runs: one row per run of a periodic job, keyed by the period it belongs to. An instance runs a job only
-- when its INSERT … ON CONFLICT DO NOTHING of (job, slot) wins, so each period's run happens once whichever
-- instance's timer fires first. A run still 'running' past expires_at belongs to a dead instance and is taken
-- over (attempt + 1). Rows older than a week are pruned by the expired-rows cleanup.
CREATE TABLE job_runs (
  job         TEXT NOT NULL,
  slot        BIGINT NOT NULL,                  -- start of the period, ms since the epoch
  instance    TEXT NOT NULL,                     -- the instance id that ran (or runs) it
  attempt     BIGINT NOT NULL DEFAULT 1,
  started_at  BIGINT NOT NULL,                  -- ms
  expires_at  BIGINT NOT NULL,                  -- ms; an unfinished run past this may be taken over
  finished_at BIGINT,                           -- ms; NULL while running
  outcome     TEXT NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'ok', 'failed')),
  error       TEXT,
  PRIMARY KEY (job, slot)
);
CREATE INDEX job_runs_started ON job_runs(started_at);

-- Work queues: the instance holding a claimed item (next_attempt_at is the claim's expiry while it is held).
-- Finishing an item (delete, reschedule) is conditional on still holding it, so an instance whose claim went
-- stale and was taken over never undoes the new holder's work.
ALTER TABLE email_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE oidc_backchannel_logouts ADD COLUMN claimed_by TEXT;
