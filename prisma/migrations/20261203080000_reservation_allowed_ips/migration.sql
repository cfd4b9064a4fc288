-- Per name: the visitor addresses and ranges that may open it (checked by the relay before any
-- password or share link). Empty for every existing name: anyone may, as before.
ALTER TABLE "reservations" ADD COLUMN "allowed_ips" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
