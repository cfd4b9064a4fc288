-- Confirmed opens of share links, by the confirmation id of the visitor's page (hashed): a retry of
-- the same confirmation after its answer was lost is let in again instead of counting a second use.
-- Rows older than an access cookie's lifetime are deleted as the link is used again.
CREATE TABLE "share_link_uses" (
    "share_link_id" TEXT NOT NULL,
    "confirmation_hash" TEXT NOT NULL,
    "used_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "share_link_uses_pkey" PRIMARY KEY ("share_link_id", "confirmation_hash")
);

ALTER TABLE "share_link_uses" ADD CONSTRAINT "share_link_uses_share_link_id_fkey"
  FOREIGN KEY ("share_link_id") REFERENCES "share_links"("id") ON DELETE CASCADE ON UPDATE CASCADE;
