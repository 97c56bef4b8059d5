/*
 * PostgreSQL for the figures that need a real one: the server the environment names
 * (BACKSTAGE_TEST_DATABASE_POSTGRES<N>_CONNECTION_STRING, as for the database tests), else
 * a throwaway server from scripts/postgres.sh, as scripts/test starts one.
 */
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const script = path.resolve(__dirname, '../../../../../scripts/postgres.sh');

/** The PostgreSQL versions TestDatabases knows, newest first. */
export const POSTGRES_IDS: TestDatabaseId[] = [
  'POSTGRES_18',
  'POSTGRES_17',
  'POSTGRES_16',
  'POSTGRES_15',
  'POSTGRES_14',
];

/**
 * Starts a throwaway server unless the environment names one, and puts its connection
 * string into the environment, where TestDatabases.create looks (so call this before it).
 * Returns how to stop the server it started; nothing when it started none, and nothing
 * when PostgreSQL's programs are missing (the PostgreSQL figures are then left out).
 */
export function startPostgresUnlessGiven(): { stop(): void } | undefined {
  const given = Object.keys(process.env).some(k =>
    /^BACKSTAGE_TEST_DATABASE_POSTGRES\d+_CONNECTION_STRING$/.test(k),
  );
  if (given) return undefined;
  let out: string;
  try {
    out = execFileSync('bash', [script, 'start'], { encoding: 'utf8' });
  } catch (error) {
    // eslint-disable-next-line no-console
    console.warn(`No PostgreSQL for the bench: ${error}`);
    return undefined;
  }
  // `export NAME=value` lines
  for (const [, name, value] of out.matchAll(/^export (\w+)=(.*)$/gm)) {
    process.env[name] = value;
  }
  const dir = process.env.STORES_TEST_POSTGRES_DIR!;
  return { stop: () => execFileSync('bash', [script, 'stop', dir]) };
}
