-- Which of the relay's access pages answered a request (password page, share link confirmation,
-- link expired, ...), so the log can tell the owner why a visitor did not get in. Null when the
-- tunnel's app answered. Rows written before this column read as null.
ALTER TABLE "request_logs" ADD COLUMN "access_page" TEXT;
