-- docker-compose.yml mounts this into the postgres image's /docker-entrypoint-initdb.d: it runs once,
-- when the volume is new. flightdeck_app is the role the api and worker connect as (DATABASE_URL):
-- it owns nothing, and `npm run migrate` (as the owner, DATABASE_MIGRATION_URL) grants it what the
-- application needs (lib/db-roles.ts). See docs/operations.md, "Database roles".
CREATE ROLE flightdeck_app LOGIN PASSWORD 'flightdeck_app' NOSUPERUSER NOCREATEDB NOCREATEROLE;
