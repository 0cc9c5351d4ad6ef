-- The dashboard's monthly trend counts the public records published in each month (status in
-- the public ones, published_at in a range): with both in one index each count is a range
-- scan, not a scan of every public record.
CREATE INDEX achievements_status_published ON achievements (status, published_at);
CREATE INDEX demands_status_published ON demands (status, published_at);
