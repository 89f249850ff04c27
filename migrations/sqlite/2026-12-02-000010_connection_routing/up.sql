-- Claims a bearer JWT must carry, beyond iss and aud, to reach its connection: a JSON object of
-- claim name to exact string value (e.g. Entra's `tid` and `appid`). NULL pins nothing.
ALTER TABLE idp_connections ADD COLUMN jwt_required_claims TEXT NULL;
