-- Listing trading (C7, SPEC §5): listings and buyers' intents are records like the others (a
-- JSON body, the columns lists filter on, every change in the event log). An auction is a row
-- beside its listing and its bids an append-only table: a bid holds only its auction's row,
-- never the event log, so auctions proceed side by side. Notifications go to organizations.
--
-- Kept line for line like crates/store-postgres/migrations/0005_trading.sql: a diff of the
-- two shows only the dialect differences, each marked "dialect:".

CREATE TABLE listings (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    seller_id TEXT NOT NULL REFERENCES organizations (id),
    mode TEXT NOT NULL,
    region TEXT NOT NULL,
    price BIGINT NOT NULL,
    -- When the next step falls due on its own (the end of the announcement): the scheduler's
    -- query, which survives restarts because it is here and not in a timer.
    due_at BIGINT,
    certificate_no TEXT UNIQUE
);
-- One live listing per achievement (a withdrawn or certified one leaves room for the next).
CREATE UNIQUE INDEX listings_live ON listings (achievement_id) WHERE status NOT IN ('withdrawn', 'certified');
CREATE INDEX listings_status_due ON listings (status, due_at);
CREATE INDEX listings_seller ON listings (seller_id);
CREATE INDEX listings_region ON listings (region);
CREATE INDEX listings_created ON listings (created_at, id);

CREATE TABLE listing_intents (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    listing_id TEXT NOT NULL REFERENCES listings (id),
    round BIGINT NOT NULL,
    buyer_id TEXT NOT NULL REFERENCES organizations (id),
    seller_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL
);
-- One intent per buyer and round of a listing.
CREATE UNIQUE INDEX listing_intents_buyer ON listing_intents (listing_id, round, buyer_id);
CREATE INDEX listing_intents_buyer_org ON listing_intents (buyer_id, created_at);
CREATE INDEX listing_intents_region ON listing_intents (region);
CREATE INDEX listing_intents_status ON listing_intents (status);
CREATE INDEX listing_intents_created ON listing_intents (created_at, id);

-- One auction per round of a listing. `body` is the auction's state (techmarket_domain::Auction:
-- price to beat, leader, deadline, qualified buyers); `bid_count` and `ends_at` are copies for
-- the conditional updates and the scheduler's query.
CREATE TABLE auctions (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    round BIGINT NOT NULL,
    bid_count BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    closed_at BIGINT,
    body TEXT NOT NULL,
    PRIMARY KEY (listing_id, round)
);
CREATE INDEX auctions_open ON auctions (closed_at, ends_at);

-- Every accepted bid, in order: (listing, round, seq) numbers them without gaps, and a bidder's
-- idempotency key is unique within an auction, so a retried request can never be a second bid.
CREATE TABLE bids (
    listing_id TEXT NOT NULL,
    round BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    bidder_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    placed_at BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    PRIMARY KEY (listing_id, round, seq),
    UNIQUE (listing_id, round, bidder_id, idempotency_key),
    FOREIGN KEY (listing_id, round) REFERENCES auctions (listing_id, round)
);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    listing_id TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    body TEXT NOT NULL
);
CREATE INDEX notifications_organization ON notifications (organization_id, created_at);
