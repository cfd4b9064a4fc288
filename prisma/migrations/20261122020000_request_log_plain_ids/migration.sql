-- Request log rows keep session and share link ids without foreign keys: checking them cost the
-- database about as much as storing the row (see RequestLog in schema.prisma). The session id index
-- served only those keys' ON DELETE actions.
ALTER TABLE "request_logs" DROP CONSTRAINT "request_logs_session_id_fkey";
ALTER TABLE "request_logs" DROP CONSTRAINT "request_logs_share_link_id_fkey";
DROP INDEX "request_logs_session_id_idx";
