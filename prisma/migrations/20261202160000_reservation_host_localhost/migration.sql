-- Per name: send the app "Host: localhost" instead of the Host the visitor sent, for dev servers that
-- refuse requests for other host names (Vite, webpack-dev-server, Django, Rails). Off for every
-- existing name: what their apps see does not change.
ALTER TABLE "reservations" ADD COLUMN "host_localhost" BOOLEAN NOT NULL DEFAULT false;
