-- Technology contracts (技术合同, SPEC §6, C8): records like the others (a JSON body, the
-- columns lists filter on, every change in the event log), plus the registration counters
-- that number registrations per office and year.
--
-- Kept line for line like crates/store-sqlite/migrations/0008_contracts.sql: a diff of the
-- two shows only the dialect differences, each marked "dialect:".

CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    name TEXT NOT NULL,
    class TEXT NOT NULL,
    subclass TEXT NOT NULL,
    applicant_id TEXT,
    seller_name TEXT NOT NULL,
    buyer_name TEXT NOT NULL,
    -- The registration office's region code (the seller's prefecture, or as configured).
    office TEXT NOT NULL,
    seller_region TEXT NOT NULL,
    buyer_region TEXT NOT NULL,
    -- Unique for ever: a cancelled contract keeps its number, so it is never issued again.
    registration_no TEXT UNIQUE,
    -- 'YYYY-MM-DD': sorts and compares as the date, and `LIKE '2026-%'` is the year.
    registered_on TEXT,
    signed_on TEXT NOT NULL,
    technical_amount BIGINT NOT NULL,
    facilitator_id TEXT,
    -- ContractFields::fingerprint: both parties, signing date, amount, name.
    fingerprint TEXT NOT NULL
);
-- One live submission per contract: the same contract submitted twice is refused (a draft, a
-- withdrawn or a cancelled one leaves room for the next).
CREATE UNIQUE INDEX contracts_live_fingerprint ON contracts (fingerprint) WHERE status NOT IN ('draft', 'withdrawn', 'cancelled');
-- dialect: text_pattern_ops lets PostgreSQL use the index for `office LIKE '22%'` (and =).
CREATE INDEX contracts_office ON contracts (office text_pattern_ops);
CREATE INDEX contracts_applicant ON contracts (applicant_id, created_at);
CREATE INDEX contracts_status ON contracts (status, created_at);
-- dialect: text_pattern_ops lets PostgreSQL use the index for `registered_on LIKE '2026-%'`.
CREATE INDEX contracts_registered_on ON contracts (registered_on text_pattern_ops);
CREATE INDEX contracts_facilitator ON contracts (facilitator_id);
CREATE INDEX contracts_created ON contracts (created_at, id);

-- The last registration number's sequence issued per office and year. A registration moves it
-- from `last` to `last + 1` in the same transaction as the contract's own write, only if it
-- still is `last` (else the registration is retried): numbers without gaps, never reused.
CREATE TABLE registration_counters (
    office TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (office, year)
);
