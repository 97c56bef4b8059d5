/*
 * The engine charts' own scripts, and the order checks in charts/scripts, keep passwords off
 * command lines: a process's argv is readable by every process on the machine. Each script runs
 * here with PATH holding only recording stubs of the programs it calls (wp-cli, php, node, the
 * medusa CLI, kubectl; curl, jq and coreutils pass through to the real ones), so every program it
 * starts is recorded with its argv, and a program it starts that has no stub fails the test. What
 * is tested is the scripts' own logic; the store behind the order checks is a small fake HTTP
 * server on 127.0.0.1 that only accepts the right admin password.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chartsDir } from './lib/helm';

const SEP = '\x1f';

interface Sandbox {
  dir: string;
  bin: string;
  log: string;
  /** every recorded program start: argv[0] (the program's name) and its arguments */
  calls(): string[][];
}

const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes) fs.rmSync(dir, { recursive: true, force: true });
});

function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-scripts-'));
  sandboxes.push(dir);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  return {
    dir,
    bin,
    log,
    calls: () =>
      fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(line => line.split(SEP)),
  };
}

/** a stub program: records its argv, then runs `body` (sh) */
function stub(sb: Sandbox, name: string, body = 'exit 0') {
  const file = path.join(sb.bin, name);
  fs.writeFileSync(
    file,
    `#!/bin/sh
{ printf '%s' "\${0##*/}"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\n'; } >>'${sb.log}'
${body}
`,
    { mode: 0o755 },
  );
}

/** a stub that records, then runs the real program (for plain utilities like date) */
function passThrough(sb: Sandbox, name: string) {
  const real = ['/usr/bin', '/bin']
    .map(d => path.join(d, name))
    .find(p => fs.existsSync(p));
  if (!real) throw new Error(`no ${name} on this machine`);
  stub(sb, name, `exec '${real}' "$@"`);
}

/** argv entries that contain one of the secrets */
function leaks(calls: string[][], secrets: string[]): string[] {
  return calls
    .filter(argv => argv.some(a => secrets.some(s => a.includes(s))))
    .map(argv => argv[0]);
}

const secret = () => randomBytes(18).toString('base64url');

/**
 * Runs a program with stdin closed and exactly the given environment. (The test bed's run()
 * writes to stdin, which races with a script that exits at once.)
 */
function run(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

describe('woocommerce-store files/setup.sh', () => {
  const script = path.join(chartsDir, 'woocommerce-store', 'files', 'setup.sh');

  it('installs WordPress with the admin password on stdin, never as an argument', async () => {
    const sb = sandbox();
    const adminPassword = secret();
    const dbPassword = secret();
    const passwordFile = path.join(sb.dir, 'password');
    fs.writeFileSync(passwordFile, adminPassword);
    const stdinOfInstall = path.join(sb.dir, 'install-stdin');
    // a fresh store: nothing installed yet, so every step runs
    stub(
      sb,
      'wp',
      `case "$*" in
  *"core is-installed"*) exit 1 ;;
  *"core install"*) /bin/cat >'${stdinOfInstall}' ;;
  *"plugin is-installed"*|*"plugin is-active"*|*"post exists"*) exit 1 ;;
  *"option get permalink_structure"*) echo "" ;;
  *"option get"*) exit 1 ;;
  *"wc product create"*) echo 42 ;;
esac
exit 0`,
    );
    stub(sb, 'php'); // the database answers
    for (const p of ['date', 'sleep']) passThrough(sb, p);

    const r = await run('/bin/sh', [script], {
      PATH: sb.bin,
      ADMIN_PASSWORD_FILE: passwordFile,
      ADMIN_USER: 'admin',
      ADMIN_EMAIL: 'admin@demo.example.com',
      WORDPRESS_DB_HOST: 'demo-mysql:3306',
      WORDPRESS_DB_USER: 'wordpress',
      WORDPRESS_DB_PASSWORD: dbPassword,
      WORDPRESS_DB_NAME: 'wordpress',
      STORE_URL: 'http://demo.127.0.0.1.nip.io',
      STORE_TITLE: 'demo',
      STORE_ADDRESS: '1 Example Street',
      STORE_CITY: 'San Francisco',
      STORE_POSTCODE: '94103',
      STORE_COUNTRY: 'US:CA',
      STORE_CURRENCY: 'USD',
      PRODUCT_NAME: 'Sample product',
      PRODUCT_PRICE: '10.00',
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('store ready');

    const calls = sb.calls();
    const install = calls.find(
      c => c.includes('install') && c.includes('core'),
    );
    expect(install).toEqual(
      expect.arrayContaining(['--prompt=admin_password', '--admin_user=admin']),
    );
    expect(fs.readFileSync(stdinOfInstall, 'utf8')).toBe(adminPassword);
    expect(calls.length).toBeGreaterThan(10);
    expect(leaks(calls, [adminPassword, dbPassword])).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(adminPassword);
  });

  it('refuses to run without the admin password file', async () => {
    const sb = sandbox();
    stub(sb, 'wp');
    stub(sb, 'php');
    const r = await run('/bin/sh', [script], {
      PATH: sb.bin,
      ADMIN_PASSWORD_FILE: path.join(sb.dir, 'missing'),
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/no admin password/);
    expect(sb.calls()).toEqual([]);
  });
});

describe('medusa-store files/migrate.sh and create-admin.js', () => {
  const files = path.join(chartsDir, 'medusa-store', 'files');

  it('creates the admin user from the password file, with no password on any command line', async () => {
    const sb = sandbox();
    const adminPassword = secret();
    const dbPassword = secret();
    const passwordFile = path.join(sb.dir, 'password');
    fs.writeFileSync(passwordFile, adminPassword);
    const moduleCalls = path.join(sb.dir, 'module-calls.json');

    // release.js bookkeeping: database up, no admin user yet, not seeded yet
    stub(
      sb,
      'node',
      `case "$2" in
  user-exists|is-seeded) exit 1 ;;
  wait-db|mark-migrated|mark-seeded) exit 0 ;;
esac
echo "unexpected node $*" >&2; exit 64`,
    );
    // the medusa CLI: `exec <file>` runs the file's default export with a container whose user
    // and auth modules record what they are asked (the real Medusa boots its modules there)
    const fakeMedusa = path.join(sb.dir, 'fake-medusa.js');
    fs.writeFileSync(
      fakeMedusa,
      `const fs = require('fs');
const [cmd, file] = process.argv.slice(2);
if (cmd !== 'exec' || !file.endsWith('create-admin.js')) process.exit(0);
const calls = [];
const modules = {
  user: { createUsers: async input => (calls.push(['createUsers', input]), { id: 'user_1', ...input }) },
  auth: {
    register: async (provider, data) => (calls.push(['register', provider, data]), { authIdentity: { id: 'authid_1' } }),
    updateAuthIdentities: async input => (calls.push(['updateAuthIdentities', input]), input),
  },
};
const container = { resolve: name => modules[name] };
Promise.resolve(require(file).default({ container, args: [] })).then(
  () => fs.writeFileSync(${JSON.stringify(moduleCalls)}, JSON.stringify(calls)),
  e => { console.error(e.message); process.exit(1); },
);
`,
    );
    stub(sb, 'medusa', `exec '${process.execPath}' '${fakeMedusa}' "$@"`);
    passThrough(sb, 'dirname');

    const r = await run('/bin/sh', [path.join(files, 'migrate.sh')], {
      PATH: sb.bin,
      MEDUSA_CLI: path.join(sb.bin, 'medusa'),
      RELEASE_REVISION: '1',
      DATABASE_URL: `postgres://medusa:${dbPassword}@demo-postgres:5432/medusa`,
      POSTGRES_PASSWORD: dbPassword,
      ADMIN_EMAIL: 'admin@demo.example.com',
      ADMIN_PASSWORD_FILE: passwordFile,
      SEED_ENABLED: 'true',
      SEED_SCRIPT: './src/scripts/seed.js',
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });

    const calls = sb.calls();
    expect(calls.filter(c => c[0] === 'medusa')).toEqual([
      ['medusa', 'db:migrate', '--execute-safe-links'],
      ['medusa', 'exec', path.join(files, 'create-admin.js')],
      ['medusa', 'exec', './src/scripts/seed.js'],
    ]);
    expect(leaks(calls, [adminPassword, dbPassword])).toEqual([]);
    expect(r.stdout).not.toContain(adminPassword);

    expect(JSON.parse(fs.readFileSync(moduleCalls, 'utf8'))).toEqual([
      ['createUsers', { email: 'admin@demo.example.com' }],
      [
        'register',
        'emailpass',
        { body: { email: 'admin@demo.example.com', password: adminPassword } },
      ],
      [
        'updateAuthIdentities',
        { id: 'authid_1', app_metadata: { user_id: 'user_1' } },
      ],
    ]);
  });

  it('create-admin.js refuses an empty password file before touching Medusa', async () => {
    const sb = sandbox();
    const passwordFile = path.join(sb.dir, 'password');
    fs.writeFileSync(passwordFile, '');
    const r = await run(
      process.execPath,
      [
        '-e',
        `require(process.argv[1]).default({ container: { resolve: () => { throw new Error('touched Medusa'); } } })
          .catch(e => { console.error(e.message); process.exit(3); })`,
        path.join(files, 'create-admin.js'),
      ],
      {
        ADMIN_EMAIL: 'admin@demo.example.com',
        ADMIN_PASSWORD_FILE: passwordFile,
      },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no admin password/);
  });
});

/** a fake store on 127.0.0.1: routes by "METHOD /path" (query string included) */
async function fakeStore(
  routes: Record<
    string,
    (
      req: http.IncomingMessage,
      body: string,
    ) => {
      status?: number;
      headers?: Record<string, string | string[]>;
      json?: unknown;
      text?: string;
    }
  >,
): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', d => (body += d));
    req.on('end', () => {
      const key = `${req.method} ${req.url}`;
      seen.push(key);
      const route = routes[key];
      const answer = route
        ? route(req, body)
        : { status: 404, text: 'no route' };
      res.writeHead(answer.status ?? 200, {
        'Content-Type':
          answer.json !== undefined ? 'application/json' : 'text/plain',
        ...answer.headers,
      });
      res.end(
        answer.json !== undefined
          ? JSON.stringify(answer.json)
          : answer.text ?? '',
      );
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}

/** kubectl stub: answers `get secret <store>-admin -o jsonpath={.data.<key>}` from `data` */
function kubectlStub(sb: Sandbox, data: Record<string, string>, exec = '') {
  const cases = Object.entries(data)
    .map(
      ([k, v]) =>
        `  *"jsonpath={.data.${k}}"*) printf '%s' '${Buffer.from(v).toString(
          'base64',
        )}' ;;`,
    )
    .join('\n');
  stub(
    sb,
    'kubectl',
    `case "$*" in
${cases}
  *" exec "*) ${exec || 'exit 1'} ;;
  *) exit 1 ;;
esac`,
  );
}

describe('charts/scripts order checks', () => {
  const scripts = path.join(chartsDir, 'scripts');
  const utilities = [
    'curl',
    'jq',
    'base64',
    'mktemp',
    'rm',
    'cat',
    'awk',
    'tr',
    'grep',
  ];

  it('verify-woocommerce-order.sh logs in with the password from a file, not from its argv', async () => {
    const sb = sandbox();
    const password = secret();
    const loggedIn = `wordpress_logged_in_x=${secret()}`;
    const store = await fakeStore({
      'GET /': () => ({ text: 'home' }),
      'GET /shop/': () => ({ text: 'shop' }),
      'GET /wp-json/wc/store/v1/products?per_page=20': () => ({
        json: [
          {
            id: 7,
            name: 'Sample product',
            is_purchasable: true,
            is_in_stock: true,
          },
        ],
      }),
      'GET /wp-json/wc/store/v1/cart': () => ({
        headers: { 'Cart-Token': 'cart-1' },
        json: {},
      }),
      'POST /wp-json/wc/store/v1/cart/add-item': () => ({
        json: {
          items_count: 1,
          totals: { total_price: '1000', currency_code: 'USD' },
        },
      }),
      'POST /wp-json/wc/store/v1/checkout': () => ({
        json: { order_id: 99, status: 'processing' },
      }),
      'GET /wp-login.php': () => ({
        headers: { 'Set-Cookie': 'wordpress_test_cookie=1' },
        text: 'login',
      }),
      'POST /wp-login.php': (_req, body) => {
        const form = new URLSearchParams(body);
        return form.get('log') === 'admin' && form.get('pwd') === password
          ? {
              status: 302,
              headers: { 'Set-Cookie': loggedIn, Location: '/wp-admin/' },
            }
          : { text: 'wrong password' };
      },
      'GET /wp-admin/admin-ajax.php?action=rest-nonce': req => ({
        status: req.headers.cookie?.includes(loggedIn) ? 200 : 403,
        text: 'nonce-1',
      }),
      'GET /wp-json/wc/v3/orders/99': req => ({
        status: req.headers['x-wp-nonce'] === 'nonce-1' ? 200 : 401,
        json: {
          id: 99,
          status: 'processing',
          payment_method: 'cod',
          line_items: [{ product_id: 7 }],
          total: '10.00',
          currency: 'USD',
        },
      }),
    });
    try {
      kubectlStub(
        sb,
        { url: store.url, username: 'admin', password },
        "echo '99 processing cod'",
      );
      for (const u of utilities) passThrough(sb, u);
      const r = await run(
        '/bin/bash',
        [path.join(scripts, 'verify-woocommerce-order.sh'), 'demo'],
        {
          PATH: sb.bin,
          HOME: sb.dir,
          TMPDIR: sb.dir,
        },
      );
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(r.stdout).toMatch(/PASSED: order 99/);
      expect(store.seen).toContain('POST /wp-login.php');
      const calls = sb.calls();
      expect(calls.filter(c => c[0] === 'curl').length).toBeGreaterThan(5);
      expect(leaks(calls, [password])).toEqual([]);
      expect(r.stdout).not.toContain(password);
    } finally {
      await store.close();
    }
  });

  it('verify-medusa-order.sh logs in with the password from a file and sends the token from a file', async () => {
    const sb = sandbox();
    const password = secret();
    const token = secret();
    const email = 'admin@demo.example.com';
    const admin = (req: http.IncomingMessage) =>
      req.headers.authorization === `Bearer ${token}` ? 200 : 401;
    const store = await fakeStore({
      'GET /health': () => ({ text: 'OK' }),
      'POST /auth/user/emailpass': (_req, body) => {
        const { email: e, password: p } = JSON.parse(body);
        return e === email && p === password
          ? { json: { token } }
          : { status: 401, json: { message: 'Invalid email or password' } };
      },
      'GET /admin/api-keys?type=publishable&limit=1': req => ({
        status: admin(req),
        json: { api_keys: [{ token: 'pk_1' }] },
      }),
      'GET /store/regions?limit=1': () => ({
        json: {
          regions: [
            { id: 'reg_1', name: 'Europe', countries: [{ iso_2: 'dk' }] },
          ],
        },
      }),
      'GET /store/products?region_id=reg_1&limit=1&fields=*variants': () => ({
        json: { products: [{ title: 'Shirt', variants: [{ id: 'var_1' }] }] },
      }),
      'POST /store/carts': () => ({ json: { cart: { id: 'cart_1' } } }),
      'POST /store/carts/cart_1/line-items': () => ({ json: {} }),
      'POST /store/carts/cart_1': () => ({ json: {} }),
      'GET /store/shipping-options?cart_id=cart_1': () => ({
        json: { shipping_options: [{ id: 'so_1' }] },
      }),
      'POST /store/carts/cart_1/shipping-methods': () => ({ json: {} }),
      'POST /store/payment-collections': () => ({
        json: { payment_collection: { id: 'pc_1' } },
      }),
      'POST /store/payment-collections/pc_1/payment-sessions': () => ({
        json: {},
      }),
      'POST /store/carts/cart_1/complete': () => ({
        json: { type: 'order', order: { id: 'order_1' } },
      }),
      'GET /admin/orders/order_1': req => ({
        status: admin(req),
        json: {
          order: {
            id: 'order_1',
            display_id: 1,
            status: 'pending',
            total: 10,
            currency_code: 'eur',
          },
        },
      }),
    });
    try {
      kubectlStub(sb, { url: store.url, email, password });
      for (const u of utilities) passThrough(sb, u);
      const r = await run(
        '/bin/bash',
        [path.join(scripts, 'verify-medusa-order.sh'), 'demo'],
        {
          PATH: sb.bin,
          HOME: sb.dir,
          TMPDIR: sb.dir,
        },
      );
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(r.stdout).toMatch(/PASSED: order order_1/);
      expect(store.seen).toContain('GET /admin/orders/order_1');
      const calls = sb.calls();
      expect(calls.filter(c => c[0] === 'curl').length).toBeGreaterThan(10);
      expect(leaks(calls, [password, token])).toEqual([]);
      expect(r.stdout).not.toContain(password);
    } finally {
      await store.close();
    }
  });
});
