-- A replay's answer the relay stopped reading after 30 s (error 'replay_stopped': Send again of an
-- event stream, which never ends) is no error of the tunnel: Burrow stopped its own replay. It was
-- counted as one, so the chart and the overview's Recent errors showed "200 GET /sse" for each
-- Send again. NOT_TUNNEL_ERRORS in lib/request-logs/row.ts holds the same list; a replay the app
-- answered 5xx still counts by its status.
CREATE OR REPLACE FUNCTION "request_is_error"("status" integer, "error" text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT "status" >= 500 OR ("error" IS NOT NULL AND "error" NOT IN ('client_aborted', 'access_revoked', 'replay_stopped')) $$;

-- Rows logged already keep their error; their minutes' counts drop them, so the counts match what
-- the triggers subtract when those rows are deleted.
UPDATE "request_stats" AS s SET "errors" = s."errors" - a."stopped"
FROM (
  SELECT "name", date_trunc('minute', "at") AS "minute", count(*) AS "stopped"
  FROM "request_logs" WHERE "error" = 'replay_stopped' AND "status" < 500 GROUP BY 1, 2
) AS a
WHERE s."name" = a."name" AND s."minute" = a."minute";
