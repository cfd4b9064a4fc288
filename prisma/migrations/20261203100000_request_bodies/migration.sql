-- Per name: keep the first bytes of each request's and response's body in the request log (opt-in,
-- off for every existing name).
ALTER TABLE "reservations" ADD COLUMN "keep_bodies" BOOLEAN NOT NULL DEFAULT false;

-- The kept bytes, as the visitor sent them and as the app answered (still compressed if it
-- compressed them); NULL when the name did not keep bodies at the time.
ALTER TABLE "request_logs" ADD COLUMN "request_body" BYTEA, ADD COLUMN "response_body" BYTEA;
