DROP INDEX audit_events_org_actor_kind ON audit_events;
DROP TABLE personal_token_grants_used;
DROP TABLE app_actor_tokens;
DROP TABLE app_actor_grants;
ALTER TABLE app_actors DROP COLUMN app_id;
