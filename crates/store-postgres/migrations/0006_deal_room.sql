-- The deal room (交易室, SPEC §5): a listing's confidential documents. A row is what the room
-- shows of a file; the file itself lies in the documents directory under its SHA-256, so the
-- same file uploaded twice is stored once. Who uploaded, viewed or downloaded which document is
-- in the event log, on the listing.
--
-- Kept line for line like crates/store-sqlite/migrations/0006_deal_room.sql: the two are the
-- same (no dialect differences).

CREATE TABLE listing_documents (
    id TEXT PRIMARY KEY,
    listing_id TEXT NOT NULL REFERENCES listings (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX listing_documents_listing ON listing_documents (listing_id, uploaded_at, id);
