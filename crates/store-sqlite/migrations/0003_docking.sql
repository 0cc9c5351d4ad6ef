-- Docking (对接) and match feedback (C5): the pipeline that follows a match, credited to a
-- broker, and the enterprises' verdicts on matches, shown to the lister. Both are records like
-- the others (a JSON body, the columns lists filter on, every change in the event log).
--
-- Kept line for line like crates/store-postgres/migrations/0003_docking.sql: a diff of the
-- two shows only the dialect differences, each marked "dialect:".

CREATE TABLE dockings (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    demand_id TEXT NOT NULL REFERENCES demands (id),
    achievement_id TEXT REFERENCES achievements (id),
    expert_id TEXT REFERENCES experts (id),
    broker_id TEXT REFERENCES brokers (id),
    -- The two sides' organizations, for members' lists: the demand's enterprise and the
    -- achievement's holder (or the expert's organization).
    enterprise_id TEXT REFERENCES organizations (id),
    provider_id TEXT REFERENCES organizations (id),
    region TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    signed_at BIGINT
);
-- One docking per match. A docking has an achievement or an expert, never both: the other
-- column is NULL, and NULLs never collide in a unique index (in both databases).
CREATE UNIQUE INDEX dockings_achievement_pair ON dockings (demand_id, achievement_id);
CREATE UNIQUE INDEX dockings_expert_pair ON dockings (demand_id, expert_id);
CREATE INDEX dockings_status ON dockings (status);
CREATE INDEX dockings_achievement ON dockings (achievement_id);
CREATE INDEX dockings_expert ON dockings (expert_id);
CREATE INDEX dockings_broker ON dockings (broker_id, status);
CREATE INDEX dockings_enterprise ON dockings (enterprise_id);
CREATE INDEX dockings_provider ON dockings (provider_id);
CREATE INDEX dockings_region ON dockings (region);
CREATE INDEX dockings_opened_by ON dockings (opened_by);
CREATE INDEX dockings_signed ON dockings (signed_at);
CREATE INDEX dockings_created ON dockings (created_at, id);

-- The status of a feedback is its verdict: `useful` or `not_useful`.
CREATE TABLE match_feedback (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    demand_id TEXT NOT NULL REFERENCES demands (id),
    achievement_id TEXT REFERENCES achievements (id),
    expert_id TEXT REFERENCES experts (id),
    -- The account that gave it; giving it again revises it.
    account_id TEXT NOT NULL,
    enterprise_id TEXT REFERENCES organizations (id),
    -- The lister: the achievement's holder (or the expert's organization).
    provider_id TEXT REFERENCES organizations (id),
    region TEXT NOT NULL,
    reason TEXT NOT NULL
);
-- One verdict per account and match (see dockings for why NULLs do not collide).
CREATE UNIQUE INDEX match_feedback_achievement_pair ON match_feedback (demand_id, achievement_id, account_id);
CREATE UNIQUE INDEX match_feedback_expert_pair ON match_feedback (demand_id, expert_id, account_id);
CREATE INDEX match_feedback_status ON match_feedback (status);
CREATE INDEX match_feedback_achievement ON match_feedback (achievement_id, status);
CREATE INDEX match_feedback_expert ON match_feedback (expert_id, status);
CREATE INDEX match_feedback_account ON match_feedback (account_id);
CREATE INDEX match_feedback_enterprise ON match_feedback (enterprise_id);
CREATE INDEX match_feedback_provider ON match_feedback (provider_id, created_at);
CREATE INDEX match_feedback_region ON match_feedback (region);
CREATE INDEX match_feedback_created ON match_feedback (created_at, id);
