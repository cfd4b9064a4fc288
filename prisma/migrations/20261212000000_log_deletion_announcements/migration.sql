-- A released name's log is deleted in the background, a batch at a time, by the dashboard, the CLI
-- or a relay taking it over. The names page shows how far it got and says when it is done; it
-- hears of changes on the tunnel status channel only, so each batch and the end are announced there
-- ("<user id> <name>", as a reservation's change), or it learnt of them at its next unrelated
-- change. Only the counted progress and the end: a lease renewed says nothing. Deletions with no
-- user (Delete all, whose tunnel page asks every second; an account deleted) have nobody to tell.
CREATE TRIGGER "log_deletions_announce_progress"
  AFTER INSERT OR UPDATE OF "deleted", "finished_at" ON "log_deletions"
  FOR EACH ROW WHEN (NEW.user_id IS NOT NULL)
  EXECUTE FUNCTION "burrow_announce_tunnel_status"();
