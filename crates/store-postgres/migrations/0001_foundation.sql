-- The foundation: the directory (organizations, experts, brokers), achievements, demands and
-- the append-only event log every derived view follows.
--
-- Kept line for line like crates/store-sqlite/migrations/0001_foundation.sql: a diff of the
-- two shows only the dialect differences, each marked "dialect:".
--
-- Every record table has the common columns (id … body: the whole record as JSON) and the
-- columns lists filter and sort on (techmarket_store::record::index_columns). Lists of codes
-- are stored as `|a|b|` so `LIKE '%|a|%'` finds an item.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    credit_code TEXT,
    kind TEXT,
    region TEXT,
    tags TEXT
);
CREATE INDEX organizations_status ON organizations (status);
-- dialect: text_pattern_ops lets PostgreSQL use the index for `region LIKE '22%'` (and =).
CREATE INDEX organizations_region ON organizations (region text_pattern_ops);
CREATE INDEX organizations_credit_code ON organizations (credit_code);
CREATE INDEX organizations_created ON organizations (created_at, id);

CREATE TABLE experts (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    name TEXT,
    organization_id TEXT REFERENCES organizations (id),
    region TEXT,
    industries TEXT
);
CREATE INDEX experts_status ON experts (status);
-- dialect: text_pattern_ops lets PostgreSQL use the index for `region LIKE '22%'` (and =).
CREATE INDEX experts_region ON experts (region text_pattern_ops);
CREATE INDEX experts_organization ON experts (organization_id);
CREATE INDEX experts_name ON experts (name);
CREATE INDEX experts_created ON experts (created_at, id);

CREATE TABLE brokers (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    name TEXT,
    institution_id TEXT REFERENCES organizations (id),
    region TEXT,
    level TEXT
);
CREATE INDEX brokers_status ON brokers (status);
-- dialect: text_pattern_ops lets PostgreSQL use the index for `region LIKE '22%'` (and =).
CREATE INDEX brokers_region ON brokers (region text_pattern_ops);
CREATE INDEX brokers_institution ON brokers (institution_id);
CREATE INDEX brokers_name ON brokers (name);
CREATE INDEX brokers_created ON brokers (created_at, id);

CREATE TABLE achievements (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    title TEXT,
    holder_id TEXT REFERENCES organizations (id),
    holder_type TEXT,
    industry TEXT,
    trl BIGINT,
    region TEXT,
    price BIGINT,
    modes TEXT,
    published_at BIGINT
);
CREATE INDEX achievements_status ON achievements (status);
-- dialect: text_pattern_ops lets PostgreSQL use the index for `region LIKE '22%'` (and =).
CREATE INDEX achievements_region ON achievements (region text_pattern_ops);
CREATE INDEX achievements_industry ON achievements (industry);
CREATE INDEX achievements_trl ON achievements (trl);
CREATE INDEX achievements_price ON achievements (price);
CREATE INDEX achievements_holder ON achievements (holder_id);
CREATE INDEX achievements_created ON achievements (created_at, id);

CREATE TABLE demands (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    title TEXT,
    enterprise_id TEXT REFERENCES organizations (id),
    industry TEXT,
    region TEXT,
    budget_max BIGINT,
    min_trl BIGINT,
    modes TEXT,
    deadline TEXT,
    published_at BIGINT
);
CREATE INDEX demands_status ON demands (status);
-- dialect: text_pattern_ops lets PostgreSQL use the index for `region LIKE '22%'` (and =).
CREATE INDEX demands_region ON demands (region text_pattern_ops);
CREATE INDEX demands_industry ON demands (industry);
CREATE INDEX demands_budget ON demands (budget_max);
CREATE INDEX demands_enterprise ON demands (enterprise_id);
CREATE INDEX demands_created ON demands (created_at, id);

-- The event log: one row per change of a record, written in the change's transaction.
-- Followers (search index, statistics, the peer feed) read it by `seq`.
CREATE TABLE events (
    -- dialect: an identity column. Numbers are drawn before commit, so concurrent transactions
    -- could commit out of order; PgStore::write takes an advisory lock before inserting events
    -- (see there) so that numbers appear in commit order.
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_address TEXT,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    record_version BIGINT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX events_record ON events (record_kind, record_id, seq);

-- The log is append-only: it is the audit trail, and followers trust what they have read.
-- dialect: SQLite triggers RAISE; PostgreSQL triggers call a function.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
-- dialect: PostgreSQL also has TRUNCATE, which row triggers do not see.
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
