-- A tunnel's status (online, its session's counters and notice, when it was last seen) changes in
-- tunnel_sessions and reservations.last_seen_at, written by relays, by the dashboard's sweep of
-- stopped relays and by the CLI. Each change is announced on one channel, the payload the name, so
-- an open tunnel page learns it at once instead of polling (lib/request-logs/announcements.ts).
-- A trigger rather than a call in each writer: none of them can forget it. NOTIFY is sent at
-- commit (a rolled-back change says nothing) and PostgreSQL folds repeats within a transaction.
CREATE FUNCTION "burrow_announce_tunnel_status"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('burrow_tunnel_status', NEW.name);
  RETURN NULL;
END
$$;

CREATE TRIGGER "tunnel_sessions_announce_status"
  AFTER INSERT OR UPDATE ON "tunnel_sessions"
  FOR EACH ROW EXECUTE FUNCTION "burrow_announce_tunnel_status"();

CREATE TRIGGER "reservations_announce_last_seen"
  AFTER UPDATE OF "last_seen_at" ON "reservations"
  FOR EACH ROW WHEN (OLD."last_seen_at" IS DISTINCT FROM NEW."last_seen_at")
  EXECUTE FUNCTION "burrow_announce_tunnel_status"();
