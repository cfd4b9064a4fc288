-- The request's and the response's headers, as JSON text written by the relay
-- (lib/request-logs/headers.ts: [name, value] pairs, credentials stored as null), for the
-- dashboard's request details. Rows written before these columns, and pages the relay answered
-- itself (response), read as null.
ALTER TABLE "request_logs" ADD COLUMN "request_headers" TEXT;
ALTER TABLE "request_logs" ADD COLUMN "response_headers" TEXT;
