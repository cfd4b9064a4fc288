-- A replay's row links to the logged request it was sent from (no foreign key: either may go first).
ALTER TABLE "request_logs" ADD COLUMN "replay_of" BIGINT;
ALTER TABLE "pending_replays" ADD COLUMN "replay_of" BIGINT;
