ALTER TABLE idp_connections DROP COLUMN jwt_required_claims;
