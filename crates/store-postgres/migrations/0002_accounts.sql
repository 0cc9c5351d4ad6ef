-- Accounts and signing in: user accounts (records like the others, with an audited event
-- log), their password hashes, their secrets (sessions, API tokens, one-time setup links, kept
-- only as hashes), the sign-in throttle, and the region of each event so an operator reads
-- the audit trail of their region.
--
-- Kept line for line like crates/store-sqlite/migrations/0002_accounts.sql: a diff of the
-- two shows only the dialect differences, each marked "dialect:".

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    organization_id TEXT REFERENCES organizations (id),
    region TEXT
);
CREATE INDEX accounts_status ON accounts (status);
CREATE INDEX accounts_role ON accounts (role);
CREATE INDEX accounts_organization ON accounts (organization_id);
-- dialect: text_pattern_ops lets PostgreSQL use the index for `region LIKE '22%'` (and =).
CREATE INDEX accounts_region ON accounts (region text_pattern_ops);
CREATE INDEX accounts_created ON accounts (created_at, id);

-- The password hash (argon2id, PHC string) lives apart from the account's body, so it is
-- never in a record read, a list, an export or the event log.
CREATE TABLE credentials (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    hash TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Sessions, API tokens and one-time setup links, by the SHA-256 of the secret: a leaked
-- database gives no usable secret.
CREATE TABLE secrets (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    label TEXT,
    hint TEXT,
    csrf TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    address TEXT
);
CREATE INDEX secrets_account ON secrets (account_id, kind);

-- Failed sign-ins per key (a username, an address): shared by every server of a deployment.
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);

-- The region of each event (techmarket_store::NewEvent::region).
ALTER TABLE events ADD COLUMN region TEXT;
-- dialect: text_pattern_ops lets PostgreSQL use the index for `region LIKE '22%'` (and =).
CREATE INDEX events_region ON events (region text_pattern_ops, seq);

-- Existing events get the region their record has now. The log is append-only (0001), and
-- this is the one migration allowed to touch it: it fills a column that did not exist when
-- the events were written, changing nothing that was recorded. The update trigger is dropped
-- for the backfill and recreated exactly as 0001 made it, in the same transaction.
-- dialect: SQLite names a trigger alone; PostgreSQL names it with its table.
DROP TRIGGER events_no_update ON events;
UPDATE events SET region = (SELECT region FROM organizations WHERE organizations.id = events.record_id)
WHERE record_kind = 'organization';
UPDATE events SET region = (SELECT region FROM experts WHERE experts.id = events.record_id)
WHERE record_kind = 'expert';
UPDATE events SET region = (SELECT region FROM brokers WHERE brokers.id = events.record_id)
WHERE record_kind = 'broker';
UPDATE events SET region = (SELECT region FROM achievements WHERE achievements.id = events.record_id)
WHERE record_kind = 'achievement';
UPDATE events SET region = (SELECT region FROM demands WHERE demands.id = events.record_id)
WHERE record_kind = 'demand';
-- dialect: SQLite triggers RAISE; PostgreSQL triggers call a function (0001's, still there).
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
