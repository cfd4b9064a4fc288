-- A WebSocket or an event stream is logged when it opens, not only when it ends: its row is
-- written open (open = true, with the relay's key for it) and updated by that key when it closes.
ALTER TABLE "request_logs" ADD COLUMN "open" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "request_logs" ADD COLUMN "stream_key" TEXT;
-- Only open rows are looked up by key, and there are few of them at any time.
CREATE INDEX "request_logs_open_stream_key_idx" ON "request_logs" ("stream_key") WHERE "open";
