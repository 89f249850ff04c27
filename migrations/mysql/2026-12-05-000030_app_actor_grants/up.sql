-- App actors' grants, their tokens' scopes, and what personal tokens were used for (issue 14).

-- The registry app an actor belongs to (optional): its block and approval apply to the actor.
ALTER TABLE app_actors ADD COLUMN app_id VARCHAR(36) NULL;

-- Explicit grants: `read`, `write` or `create` on one resource kind, optionally limited to
-- named projects (`projects`: a JSON array of project ids; NULL: not limited). Never "all its
-- creator can do": an actor holds exactly these rows.
CREATE TABLE app_actor_grants (
    org_id VARCHAR(36) NOT NULL,
    actor_id VARCHAR(36) NOT NULL,
    resource_kind VARCHAR(32) NOT NULL,
    access VARCHAR(16) NOT NULL,
    projects TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (actor_id, resource_kind, access),
    KEY app_actor_grants_org (org_id, actor_id),
    CONSTRAINT app_actor_grants_actor_fk FOREIGN KEY (actor_id) REFERENCES app_actors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What one app-actor token may do (a subset of its actor's grants, as a JSON array) and the
-- user it acts for, if any. One row per token of kind `app_actor`.
CREATE TABLE app_actor_tokens (
    token_id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    actor_id VARCHAR(36) NOT NULL,
    on_behalf_of VARCHAR(36) NULL,
    grants TEXT NOT NULL,
    PRIMARY KEY (token_id),
    KEY app_actor_tokens_actor (org_id, actor_id),
    CONSTRAINT app_actor_tokens_token_fk FOREIGN KEY (token_id) REFERENCES tokens (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Which grants a personal access token used, at most one row per token, kind, access and day:
-- what moving an integration off a person's token proposes as the new actor's grants.
CREATE TABLE personal_token_grants_used (
    org_id VARCHAR(36) NOT NULL,
    token_id VARCHAR(36) NOT NULL,
    resource_kind VARCHAR(32) NOT NULL,
    access VARCHAR(16) NOT NULL,
    used_on DATETIME(6) NOT NULL,
    PRIMARY KEY (token_id, resource_kind, access, used_on),
    KEY personal_token_grants_used_org (org_id, token_id),
    CONSTRAINT personal_token_grants_used_token_fk FOREIGN KEY (token_id) REFERENCES tokens (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- `GET /audit-events?actor_kind=...`.
CREATE INDEX audit_events_org_actor_kind ON audit_events (org_id, actor_kind, occurred_at);
