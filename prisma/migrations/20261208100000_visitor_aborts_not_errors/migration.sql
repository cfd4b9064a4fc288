-- A visitor going away (error 'client_aborted') is no error of the tunnel: every event stream
-- ends so when its visitor leaves the page, and counted as one it filled the overview's errors and
-- the traffic chart's red though the app answered every request. VISITOR_ENDED in
-- lib/request-logs/row.ts holds the same list; the row keeps its error, shown in its details.
-- One definition, so the three triggers (and the recount below) cannot disagree.
CREATE FUNCTION "request_is_error"("status" integer, "error" text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT "status" >= 500 OR ("error" IS NOT NULL AND "error" <> 'client_aborted') $$;

CREATE OR REPLACE FUNCTION "request_stats_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "request_stats" AS s ("name", "minute", "requests", "errors")
  SELECT "name", date_trunc('minute', "at"), count(*),
         count(*) FILTER (WHERE "request_is_error"("status", "error"))
  FROM inserted GROUP BY 1, 2
  ON CONFLICT ("name", "minute") DO UPDATE
    SET "requests" = s."requests" + EXCLUDED."requests", "errors" = s."errors" + EXCLUDED."errors";
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "request_stats_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "request_stats" AS s
  SET "requests" = s."requests" - d."requests", "errors" = s."errors" - d."errors"
  FROM (
    SELECT "name", date_trunc('minute', "at") AS "minute", count(*) AS "requests",
           count(*) FILTER (WHERE "request_is_error"("status", "error")) AS "errors"
    FROM deleted GROUP BY 1, 2
  ) AS d
  WHERE s."name" = d."name" AND s."minute" = d."minute";
  DELETE FROM "request_stats" AS s
  USING (SELECT DISTINCT "name", date_trunc('minute', "at") AS "minute" FROM deleted) AS d
  WHERE s."name" = d."name" AND s."minute" = d."minute" AND s."requests" <= 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "request_stats_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was integer := CASE WHEN "request_is_error"(OLD."status", OLD."error") THEN 1 ELSE 0 END;
  now_is integer := CASE WHEN "request_is_error"(NEW."status", NEW."error") THEN 1 ELSE 0 END;
BEGIN
  IF was <> now_is THEN
    UPDATE "request_stats" SET "errors" = "errors" + now_is - was
    WHERE "name" = NEW."name" AND "minute" = date_trunc('minute', NEW."at");
  END IF;
  RETURN NULL;
END $$;

-- The rows logged already stay as they are; their minutes' counts drop the visitors who went away,
-- so the counts match what the triggers above subtract when those rows are deleted.
UPDATE "request_stats" AS s SET "errors" = s."errors" - a."aborted"
FROM (
  SELECT "name", date_trunc('minute', "at") AS "minute", count(*) AS "aborted"
  FROM "request_logs" WHERE "error" = 'client_aborted' AND "status" < 500 GROUP BY 1, 2
) AS a
WHERE s."name" = a."name" AND s."minute" = a."minute";
