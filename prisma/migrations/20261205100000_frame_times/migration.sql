-- When each kept chunk of a WebSocket's frames crossed the relay, per side, so the dashboard can
-- say when each message was sent (JSON; null for everything but kept WebSocket frames).
ALTER TABLE "request_logs" ADD COLUMN "frame_times" TEXT;
