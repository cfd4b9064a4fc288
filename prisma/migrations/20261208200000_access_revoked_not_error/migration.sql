-- A WebSocket or event stream the relay closed because its visitor's access ended (the owner
-- revoked their link, changed the password, narrowed the allowed networks: error 'access_revoked')
-- is no error of the tunnel either: the owner asked for it. NOT_TUNNEL_ERRORS in
-- lib/request-logs/row.ts holds the same list; the row keeps its error, shown in its details.
CREATE OR REPLACE FUNCTION "request_is_error"("status" integer, "error" text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT "status" >= 500 OR ("error" IS NOT NULL AND "error" NOT IN ('client_aborted', 'access_revoked')) $$;

-- Rows logged already keep their error; their minutes' counts drop them, so the counts match what
-- the triggers subtract when those rows are deleted.
UPDATE "request_stats" AS s SET "errors" = s."errors" - a."revoked"
FROM (
  SELECT "name", date_trunc('minute', "at") AS "minute", count(*) AS "revoked"
  FROM "request_logs" WHERE "error" = 'access_revoked' AND "status" < 500 GROUP BY 1, 2
) AS a
WHERE s."name" = a."name" AND s."minute" = a."minute";
