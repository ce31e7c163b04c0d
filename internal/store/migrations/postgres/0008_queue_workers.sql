-- 0007: the workers of the queue (vigie worker, internal/queue), each
-- with its last heartbeat, so that "vigie campaign status --campaign ID"
-- shows from any machine which workers run and which went silent. The
-- jobs themselves are River's tables (river_job...), created by River's
-- own migrations (vigie worker, vigie campaign submit). Written only by
-- the workers; a row stays after its worker stops, with why it stopped.

CREATE TABLE queue_workers (
	id        text COLLATE "C" PRIMARY KEY,  -- host/pid/start time, unique per process
	host      text NOT NULL,
	pid       integer NOT NULL,
	parallel  integer NOT NULL,
	version   text NOT NULL,
	started   timestamptz NOT NULL,
	heartbeat timestamptz NOT NULL,         -- renewed every few seconds while it runs
	audits    bigint NOT NULL DEFAULT 0,    -- audits it stored
	stopped   timestamptz,                  -- NULL while running (or killed: the heartbeat ages)
	reason    text                          -- why it stopped, NULL for a plain stop
);
