-- App actors' grants, their tokens' scopes, and what personal tokens were used for (issue 14).
-- Mirrors migrations/mysql: see the comments there.
ALTER TABLE app_actors ADD COLUMN app_id TEXT NULL;

CREATE TABLE app_actor_grants (
    org_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    access TEXT NOT NULL,
    projects TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor_id, resource_kind, access),
    FOREIGN KEY (actor_id) REFERENCES app_actors (id) ON DELETE CASCADE
);
CREATE INDEX app_actor_grants_org ON app_actor_grants (org_id, actor_id);

CREATE TABLE app_actor_tokens (
    token_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    on_behalf_of TEXT NULL,
    grants TEXT NOT NULL,
    PRIMARY KEY (token_id),
    FOREIGN KEY (token_id) REFERENCES tokens (id) ON DELETE CASCADE
);
CREATE INDEX app_actor_tokens_actor ON app_actor_tokens (org_id, actor_id);

CREATE TABLE personal_token_grants_used (
    org_id TEXT NOT NULL,
    token_id TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    access TEXT NOT NULL,
    used_on TIMESTAMP NOT NULL,
    PRIMARY KEY (token_id, resource_kind, access, used_on),
    FOREIGN KEY (token_id) REFERENCES tokens (id) ON DELETE CASCADE
);
CREATE INDEX personal_token_grants_used_org ON personal_token_grants_used (org_id, token_id);

CREATE INDEX audit_events_org_actor_kind ON audit_events (org_id, actor_kind, occurred_at);
