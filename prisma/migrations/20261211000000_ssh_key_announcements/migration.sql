-- A user's SSH keys are on their overview too (Get started ticks "Add your SSH public key"): a key
-- added or removed, in another tab or by the admin CLI, is announced on the tunnel status channel
-- with the payload "<user id>" alone (no name), which the user's lists hear and a name's page
-- ignores (lib/request-logs/announcements.ts). Inserts and deletes only: a key's last use is saved
-- at every sign-in over SSH and changes nothing on the overview.
CREATE FUNCTION "burrow_announce_user_keys"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('burrow_tunnel_status', OLD.user_id);
  ELSE
    PERFORM pg_notify('burrow_tunnel_status', NEW.user_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "ssh_keys_announce_added_or_removed"
  AFTER INSERT OR DELETE ON "ssh_keys"
  FOR EACH ROW EXECUTE FUNCTION "burrow_announce_user_keys"();
