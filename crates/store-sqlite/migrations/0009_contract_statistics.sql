-- Technology-contract statistics (SPEC §6, issue 7), kept current from the event log by
-- techmarket_store::contract_statistics: aggregates per (year, month, dimension, key), what each
-- registered contract currently adds to them, and how far the log has been applied.
--
-- Kept line for line like crates/store-postgres/migrations/0009_contract_statistics.sql: a diff
-- of the two shows only the dialect differences, each marked "dialect:".

-- A year's figures are the rows of that year (the primary key's prefix): a few thousand rows
-- even for the whole country, whatever the number of contracts.
CREATE TABLE contract_statistics (
    year BIGINT NOT NULL,
    month BIGINT NOT NULL,
    -- class, subclass, output_region, absorption_region, industry, seller_kind, buyer_kind,
    -- technical_field, facilitator; `total` (key '') for the totals by month.
    dimension TEXT NOT NULL,
    stat_key TEXT NOT NULL,
    contract_count BIGINT NOT NULL,
    contract_amount BIGINT NOT NULL,
    technical_amount BIGINT NOT NULL,
    PRIMARY KEY (year, month, dimension, stat_key)
);

-- What each counted contract adds now (JSON: year, month, keys, amounts), so that an amendment
-- or a cancellation subtracts exactly what it added before.
CREATE TABLE contract_statistics_contributions (
    contract_id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

-- The last event applied. One row; a follower holds it for the length of its transaction.
CREATE TABLE contract_statistics_cursor (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO contract_statistics_cursor (id, last_seq) VALUES (1, 0);

-- The follower reads the contract events after its cursor without reading the others.
CREATE INDEX events_kind_seq ON events (record_kind, seq);
