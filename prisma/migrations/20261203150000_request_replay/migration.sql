-- Rows of requests the owner sent again from the dashboard (Replay) are marked as such. Nothing
-- uses the new value in this transaction, which PostgreSQL requires of ADD VALUE.
ALTER TYPE "admission" ADD VALUE 'REPLAY';

-- Edited requests waiting for the relay to send them (lib/request-logs/replay.ts).
CREATE TABLE "pending_replays" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "headers" TEXT NOT NULL,
    "body" BYTEA,
    "client_ip" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pending_replays_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "pending_replays_created_at_idx" ON "pending_replays"("created_at");

-- A compressed kept response body's start, decoded, so that searching bodies finds its text too.
ALTER TABLE "request_logs" ADD COLUMN "response_body_decoded" BYTEA;
