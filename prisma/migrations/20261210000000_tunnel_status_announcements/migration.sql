-- A tunnel's status (online, its session's counters and notice, when it was last seen) changes in
-- tunnel_sessions and reservations, written by relays, by the dashboard (reserve, release,
-- settings, its sweep of stopped relays) and by the CLI. Each change is announced on one channel,
-- the payload "<user id> <name>", so an open tunnel page and its user's lists of names learn it at
-- once instead of polling (lib/request-logs/announcements.ts). A trigger rather than a call in
-- each writer: none of them can forget it. NOTIFY is sent at commit (a rolled-back change says
-- nothing) and PostgreSQL folds repeats within a transaction.
CREATE FUNCTION "burrow_announce_tunnel_status"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('burrow_tunnel_status', OLD.user_id || ' ' || OLD.name);
  ELSE
    PERFORM pg_notify('burrow_tunnel_status', NEW.user_id || ' ' || NEW.name);
  END IF;
  -- A name that changed hands leaves its former owner's lists too.
  IF TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
    PERFORM pg_notify('burrow_tunnel_status', OLD.user_id || ' ' || OLD.name);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "tunnel_sessions_announce_status"
  AFTER INSERT OR UPDATE ON "tunnel_sessions"
  FOR EACH ROW EXECUTE FUNCTION "burrow_announce_tunnel_status"();

CREATE TRIGGER "reservations_announce_made_or_released"
  AFTER INSERT OR DELETE ON "reservations"
  FOR EACH ROW EXECUTE FUNCTION "burrow_announce_tunnel_status"();

-- An update that changes nothing (the same setting saved again) says nothing.
CREATE TRIGGER "reservations_announce_changed"
  AFTER UPDATE ON "reservations"
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION "burrow_announce_tunnel_status"();
