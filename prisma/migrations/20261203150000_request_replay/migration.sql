-- Rows of requests the owner sent again from the dashboard (Replay) are marked as such. Nothing
-- uses the new value in this transaction, which PostgreSQL requires of ADD VALUE.
ALTER TYPE "admission" ADD VALUE 'REPLAY';
