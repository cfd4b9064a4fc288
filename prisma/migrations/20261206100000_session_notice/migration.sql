-- The relay's latest advice to a tunnel's owner about their app (a dev server's host check
-- refusing visitors, say), as their ssh session printed it: the tunnel page shows it too.
ALTER TABLE "tunnel_sessions" ADD COLUMN "notice" TEXT;
