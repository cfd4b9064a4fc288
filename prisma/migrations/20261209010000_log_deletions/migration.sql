-- A name's request log being deleted (Delete all requests, a release) in the background: millions
-- of rows take a minute or more, longer than a web request may last behind a reverse proxy. One row
-- a name, kept once done: its requested_at is also when the log was last emptied, which the relay's
-- log writer compares with rows that waited through a database outage (older ones are dropped).
CREATE TABLE "log_deletions" (
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "user_id" TEXT,
    "requested_at" TIMESTAMP(3) NOT NULL,
    "up_to_id" BIGINT NOT NULL,
    "total" INTEGER NOT NULL,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "cursor_id" BIGINT NOT NULL DEFAULT 0,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "log_deletions_pkey" PRIMARY KEY ("name")
);

-- The names page lists its user's releases.
CREATE INDEX "log_deletions_user_id_idx" ON "log_deletions"("user_id");
