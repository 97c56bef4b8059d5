// PostgreSQL for the database tests comes from BACKSTAGE_TEST_DATABASE_POSTGRES<N>_CONNECTION_STRING
// (scripts/test starts a throwaway server); TestDatabases must never reach for Docker.
process.env.BACKSTAGE_TEST_DISABLE_DOCKER = '1';
