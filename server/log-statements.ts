/**
 * The request log writer's SQL besides COPY (log-copy.ts): a batch of rows through the Prisma client,
 * which cannot COPY, and the ends of rows written open, through either runner.
 *
 * One statement per batch whatever its size: the entries travel as one JSON parameter, expanded by
 * json_to_recordset (whose column names match NewRequestLog's and RequestLogEnd's keys, so a batch
 * is just JSON.stringify(entries)). Measured here against per-column array parameters: about a
 * third of the relay's CPU per row, which matters because every proxied request pays it.
 */

const RECORDSET = `json_to_recordset($1::json) AS r(
  "at" timestamptz, "name" text, "sessionId" text, "method" text, "path" text, "status" int,
  "durationMs" float8, "bytesIn" bigint, "bytesOut" bigint, "clientIp" text, "userAgent" text,
  "upgrade" bool, "admission" text, "shareLinkId" text, "error" text, "accessPage" text,
  "requestHeaders" text, "responseHeaders" text, "requestBody" text, "responseBody" text,
  "responseBodyDecoded" text, "replayOf" bigint, "open" bool, "streamKey" text, "frameTimes" text)`;

/** A batch of rows (NewRequestLog[] as JSON), for runners without COPY. */
export const INSERT_SQL = `
INSERT INTO request_logs
  (at, name, session_id, method, path, status, duration_ms, bytes_in, bytes_out, client_ip,
   user_agent, upgrade, admission, share_link_id, error, access_page, request_headers, response_headers,
   request_body, response_body, response_body_decoded, replay_of, open, stream_key, frame_times)
SELECT r."at", r."name", r."sessionId", r."method", r."path", r."status", r."durationMs", r."bytesIn",
       r."bytesOut", r."clientIp", r."userAgent", r."upgrade", r."admission"::admission, r."shareLinkId",
       r."error", r."accessPage", r."requestHeaders", r."responseHeaders",
       decode(r."requestBody", 'hex'), decode(r."responseBody", 'hex'), decode(r."responseBodyDecoded", 'hex'),
       r."replayOf", r."open", r."streamKey", r."frameTimes"
FROM ${RECORDSET}`;

/**
 * The ends of rows written open (RequestLogEnd[] as JSON, at most one per key: see latestPerKey in
 * log-queue.ts): each finds its row by key among the open ones (a partial index) and closes it, or
 * brings it up to date and leaves it open (a checkpoint). A row deleted meanwhile (its owner
 * emptied the log) is simply not found. Running one twice changes nothing more. An end without a
 * status (spooled by a relay from before ends carried one) leaves the row's status and headers.
 */
export const END_SQL = `
UPDATE request_logs AS l
SET open = NOT e."final", stream_key = CASE WHEN e."final" THEN NULL ELSE l.stream_key END,
    status = COALESCE(e."status", l.status),
    response_headers = CASE WHEN e."status" IS NULL THEN l.response_headers ELSE e."responseHeaders" END,
    duration_ms = e."durationMs", bytes_in = e."bytesIn",
    bytes_out = e."bytesOut", error = e."error", request_body = decode(e."requestBody", 'hex'),
    response_body = decode(e."responseBody", 'hex'),
    response_body_decoded = decode(e."responseBodyDecoded", 'hex'), frame_times = e."frameTimes"
FROM json_to_recordset($1::json) AS e(
  "final" bool, "streamKey" text, "status" int, "responseHeaders" text, "durationMs" float8,
  "bytesIn" bigint, "bytesOut" bigint, "error" text, "requestBody" text, "responseBody" text,
  "responseBodyDecoded" text, "frameTimes" text)
WHERE l.open AND l.stream_key = e."streamKey"`;
