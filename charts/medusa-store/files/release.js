// Release bookkeeping for the migrations Job and the server's init container, kept in the store's
// own database (table stores_backstage_state). Uses the `pg` client that the Medusa server already
// ships, resolved from the working directory (the built server, see charts/medusa-store/image/).
//
//   node release.js wait-db            wait until PostgreSQL accepts a connection
//   node release.js mark-migrated      record that migrations ran for $RELEASE_REVISION
//   node release.js wait-migrated      wait until migrations ran for $RELEASE_REVISION or later
//   node release.js user-exists EMAIL  exit 0 if the admin user exists, 1 if not, 2 if unknown
//   node release.js is-seeded / mark-seeded
'use strict';

const path = require('path');
const { createRequire } = require('module');

const load = createRequire(path.join(process.cwd(), 'package.json'));
const { Client } = load('pg');

const TABLE = 'stores_backstage_state';
const revision = Number(process.env.RELEASE_REVISION || '0');
const waitMs = Number(process.env.WAIT_SECONDS || '900') * 1000;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const log = msg => console.log(`[release] ${msg}`);

async function connect() {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  return client;
}

async function withClient(fn) {
  const client = await connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (key text PRIMARY KEY, value text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    );
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function get(client, key) {
  const res = await client.query(`SELECT value FROM ${TABLE} WHERE key = $1`, [
    key,
  ]);
  return res.rows.length ? res.rows[0].value : undefined;
}

async function set(client, key, value) {
  await client.query(
    `INSERT INTO ${TABLE} (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [key, String(value)],
  );
}

async function poll(what, check) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not reachable yet, or not migrated yet: keep waiting
    }
    if (Date.now() > deadline) {
      log(`gave up waiting for ${what}`);
      process.exit(1);
    }
    log(`waiting for ${what}`);
    await sleep(5000);
  }
}

async function main() {
  const [cmd, arg] = process.argv.slice(2);
  switch (cmd) {
    case 'wait-db':
      await poll('the database', async () => {
        const c = await connect();
        await c.end();
        return true;
      });
      return 0;
    case 'mark-migrated':
      await withClient(async c => {
        const current = Number((await get(c, 'migrated_revision')) || '0');
        await set(c, 'migrated_revision', Math.max(current, revision));
      });
      log(`migrations recorded for revision ${revision}`);
      return 0;
    case 'wait-migrated':
      await poll(`migrations of revision ${revision}`, () =>
        withClient(
          async c =>
            Number((await get(c, 'migrated_revision')) || '0') >= revision,
        ),
      );
      return 0;
    case 'user-exists':
      try {
        const c = await connect();
        try {
          const res = await c.query(
            'SELECT 1 FROM "user" WHERE email = $1 AND deleted_at IS NULL LIMIT 1',
            [arg],
          );
          return res.rows.length ? 0 : 1;
        } finally {
          await c.end().catch(() => {});
        }
      } catch {
        return 2;
      }
    case 'is-seeded':
      return withClient(async c =>
        (await get(c, 'seeded')) === 'true' ? 0 : 1,
      );
    case 'mark-seeded':
      await withClient(c => set(c, 'seeded', 'true'));
      return 0;
    default:
      console.error(`unknown command ${cmd}`);
      return 64;
  }
}

main().then(
  code => process.exit(code),
  err => {
    console.error(`[release] ${err.message}`);
    process.exit(1);
  },
);
