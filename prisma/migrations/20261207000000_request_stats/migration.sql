-- Requests and errors per name and minute, kept equal to what request_logs holds by triggers, so
-- the traffic chart and the "last 24 hours" counts read at most 1,440 rows a name and day instead
-- of counting every request (a busy tunnel's day is a million rows: over half a second each time).
-- An error is what the log calls one: a 5xx status, or the relay answering itself (error set).
CREATE TABLE "request_stats" (
    "name" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    CONSTRAINT "request_stats_pkey" PRIMARY KEY ("name", "minute")
);

-- Rows arrive in batches (the relay's COPY once a second): one grouped upsert per statement.
CREATE FUNCTION "request_stats_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "request_stats" AS s ("name", "minute", "requests", "errors")
  SELECT "name", date_trunc('minute', "at"), count(*),
         count(*) FILTER (WHERE "status" >= 500 OR "error" IS NOT NULL)
  FROM inserted GROUP BY 1, 2
  ON CONFLICT ("name", "minute") DO UPDATE
    SET "requests" = s."requests" + EXCLUDED."requests", "errors" = s."errors" + EXCLUDED."errors";
  RETURN NULL;
END $$;
CREATE TRIGGER "request_stats_insert" AFTER INSERT ON "request_logs"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "request_stats_inserted"();

-- Deletes come in batches too (retention, the owner's Delete all requests…, a released name's log).
CREATE FUNCTION "request_stats_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "request_stats" AS s
  SET "requests" = s."requests" - d."requests", "errors" = s."errors" - d."errors"
  FROM (
    SELECT "name", date_trunc('minute', "at") AS "minute", count(*) AS "requests",
           count(*) FILTER (WHERE "status" >= 500 OR "error" IS NOT NULL) AS "errors"
    FROM deleted GROUP BY 1, 2
  ) AS d
  WHERE s."name" = d."name" AND s."minute" = d."minute";
  DELETE FROM "request_stats" AS s
  USING (SELECT DISTINCT "name", date_trunc('minute', "at") AS "minute" FROM deleted) AS d
  WHERE s."name" = d."name" AND s."minute" = d."minute" AND s."requests" <= 0;
  RETURN NULL;
END $$;
CREATE TRIGGER "request_stats_delete" AFTER DELETE ON "request_logs"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "request_stats_deleted"();

-- A row written open (a WebSocket, an event stream) gets its end later, which may make it an
-- error. Per row, and only when status or error changed: emptying bodies or a checkpoint of an
-- open row (UPDATEs of many rows, or often) does not fire it.
CREATE FUNCTION "request_stats_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was integer := CASE WHEN OLD."status" >= 500 OR OLD."error" IS NOT NULL THEN 1 ELSE 0 END;
  now_is integer := CASE WHEN NEW."status" >= 500 OR NEW."error" IS NOT NULL THEN 1 ELSE 0 END;
BEGIN
  IF was <> now_is THEN
    UPDATE "request_stats" SET "errors" = "errors" + now_is - was
    WHERE "name" = NEW."name" AND "minute" = date_trunc('minute', NEW."at");
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "request_stats_update" AFTER UPDATE OF "status", "error" ON "request_logs"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."error" IS DISTINCT FROM NEW."error")
  EXECUTE FUNCTION "request_stats_updated"();

-- What is logged already.
INSERT INTO "request_stats" ("name", "minute", "requests", "errors")
SELECT "name", date_trunc('minute', "at"), count(*),
       count(*) FILTER (WHERE "status" >= 500 OR "error" IS NOT NULL)
FROM "request_logs" GROUP BY 1, 2;
