-- A deal room document's description (SPEC §5, issue 6 point 3), as the uploader wrote it;
-- empty when none. The rows of 0006 get the empty one.
--
-- Kept line for line like the other backend's 0007_document_description.sql: the two are the
-- same (no dialect differences).

ALTER TABLE listing_documents ADD COLUMN description TEXT NOT NULL DEFAULT '';
