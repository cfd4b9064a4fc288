-- Which relay process holds each tunnel session (its relay_heartbeats id): a relay that starts
-- closes the sessions of relays that are gone, not those of another relay still running on this
-- database. Null for sessions written before this column.
ALTER TABLE "tunnel_sessions" ADD COLUMN "relay_id" TEXT;
