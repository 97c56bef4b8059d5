/*
 * The WooCommerce chart's setup script (files/setup.sh) run for real, against a throwaway MariaDB
 * and Debian's WordPress, with the environment the chart gives the setup container and as its
 * user (www-data, 33). What runs depends on what this machine has, and each part says why it
 * skips:
 *  - the database wait: PHP's mysqli against MariaDB with the chart's variables (php-cli,
 *    php-mysql, mariadb-server-core, mariadb-client-core);
 *  - the WordPress part (`setup.sh wordpress permalinks`): wp-cli installs WordPress, sets the
 *    site URL and pretty permalinks, and the test reads the result from the database. It needs
 *    wp-cli, which no registry reachable from this project's machines carries (see
 *    woocommerceNative.ts): it runs where WP_CLI_PHAR names a wp-cli.phar or `wp` is on PATH.
 *  - the WooCommerce part (`setup.sh woocommerce`) does not run here: `wp plugin install
 *    woocommerce` downloads from wordpress.org, which these machines cannot reach, and no
 *    registry they reach ships the plugin. charts/scripts/verify-woocommerce-order.sh checks
 *    it, with an order placed end to end, on a real cluster.
 * charts/src/scripts.test.ts covers the same script with recording stubs (every wp-cli call and
 * its argv); this test is about what real programs make of it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { chartsDir } from './lib/helm';
import {
  Mariadb,
  RunResult,
  WWW_DATA,
  binDir,
  findMariadb,
  findPhp,
  findProgram,
  findWordpress,
  findWpCli,
  makeSite,
  makeWorkDir,
  missingOf,
  runAsSiteUser,
  runsAsRoot,
  startMariadb,
  writeSecretFile,
} from './woocommerceNative';

const chart = path.join(chartsDir, 'woocommerce-store');
const setupScript = path.join(chart, 'files', 'setup.sh');
const chartValues = parse(
  fs.readFileSync(path.join(chart, 'values.yaml'), 'utf8'),
);

const php = findPhp();
const mariadbFound = findMariadb();
const wordpress = findWordpress();
const wpCli = findWpCli();

const databaseMissing = missingOf(php, mariadbFound);
const wordpressMissing = [...databaseMissing, ...missingOf(wordpress, wpCli)];
for (const [part, missing] of [
  ['database wait', databaseMissing],
  ['WordPress part', wordpressMissing],
] as const) {
  if (missing.length) {
    // eslint-disable-next-line no-console
    console.warn(
      `SKIPPED woocommerce setup.sh, ${part}: ${missing.join('; ')}`,
    );
  }
}
// eslint-disable-next-line no-console
console.warn(
  'NOT RUN woocommerce setup.sh, WooCommerce part: the plugin comes from wordpress.org, ' +
    'which this machine cannot reach; verify-woocommerce-order.sh checks it on a real cluster',
);

const secret = () => randomBytes(18).toString('base64url');
const realPath = (p: { path: string } | { missing: string }) =>
  (p as { path: string }).path;

let db: Mariadb | undefined;
let work: string;
const dbPassword = secret();
const adminPassword = secret();

beforeAll(() => {
  work = makeWorkDir();
  if (databaseMissing.length) return;
  db = startMariadb();
  // what the mysql image does with MYSQL_DATABASE, MYSQL_USER and MYSQL_PASSWORD
  db.query(
    `CREATE DATABASE wordpress;
     CREATE USER 'wordpress'@'127.0.0.1' IDENTIFIED BY '${dbPassword}';
     GRANT ALL ON wordpress.* TO 'wordpress'@'127.0.0.1';`,
  );
}, 120_000);

afterAll(() => {
  db?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** the setup container's environment, as templates/wordpress-deployment.yaml sets it */
function setupEnv(over: Record<string, string> = {}): Record<string, string> {
  const passwordFile = path.join(work, 'admin-password');
  if (!fs.existsSync(passwordFile))
    writeSecretFile(passwordFile, adminPassword);
  const store = chartValues.store;
  return {
    HOME: work,
    WORDPRESS_DB_HOST: `127.0.0.1:${db!.port}`,
    WORDPRESS_DB_NAME: chartValues.mysql.database,
    WORDPRESS_DB_USER: chartValues.mysql.user,
    WORDPRESS_DB_PASSWORD: dbPassword,
    WORDPRESS_CONFIG_EXTRA: chartValues.wordpress.configExtra,
    WORDPRESS_AUTH_KEY: secret(),
    DB_WAIT_SECONDS: '0',
    STORE_URL: 'http://demo.127.0.0.1.nip.io',
    STORE_TITLE: 'demo',
    ADMIN_USER: store.adminUser,
    ADMIN_EMAIL: 'admin@demo.127.0.0.1.nip.io',
    ADMIN_PASSWORD_FILE: passwordFile,
    WOOCOMMERCE_VERSION: '',
    STORE_ADDRESS: store.address.street,
    STORE_CITY: store.address.city,
    STORE_POSTCODE: store.address.postcode,
    STORE_COUNTRY: store.address.country,
    STORE_CURRENCY: store.currency,
    PRODUCT_NAME: store.sampleProduct.name,
    PRODUCT_PRICE: store.sampleProduct.price,
    ...over,
  };
}

const printed = (r: RunResult) => r.stdout + r.stderr;

(databaseMissing.length ? describe.skip : describe)(
  'woocommerce-store setup.sh: the database wait (PHP, MariaDB)',
  () => {
    // PATH holds php and the utilities only: the run stops at the first wp-cli call after the
    // wait, so the output tells whether the wait let it through.
    let onlyPhp: string;
    beforeAll(() => {
      onlyPhp = binDir(path.join(work, 'wait'), {
        php: realPath(php),
        date: findProgram('date')!,
        sleep: findProgram('sleep')!,
      });
    });

    it('goes on once MariaDB accepts the chart credentials', async () => {
      const r = await runAsSiteUser('/bin/sh', [setupScript, 'wordpress'], {
        ...setupEnv(),
        PATH: onlyPhp,
      });
      expect(printed(r)).toContain('waiting for the database');
      expect(printed(r)).not.toContain('database not reachable');
      // the next step is wp-cli, which this PATH lacks
      expect(printed(r)).toMatch(/wp: .*not found/);
      expect(r.code).toBe(127);
    });

    it.each([
      ['a wrong password', () => ({ WORDPRESS_DB_PASSWORD: secret() })],
      ['an unknown database', () => ({ WORDPRESS_DB_NAME: 'nowhere' })],
      [
        'a port nobody listens on',
        () => ({ WORDPRESS_DB_HOST: '127.0.0.1:1' }),
      ],
    ])('fails with the database unreachable: %s', async (_, over) => {
      const r = await runAsSiteUser('/bin/sh', [setupScript, 'wordpress'], {
        ...setupEnv(over()),
        PATH: onlyPhp,
      });
      expect({ code: r.code, out: printed(r) }).toEqual({
        code: 1,
        out: expect.stringContaining('database not reachable after 0s'),
      });
      expect(printed(r)).not.toContain('wp:');
      expect(printed(r)).not.toContain(dbPassword);
    });

    it('refuses an unknown part before it touches anything', async () => {
      const r = await runAsSiteUser(
        '/bin/sh',
        [setupScript, 'wordpress', 'shipping'],
        { ...setupEnv(), PATH: onlyPhp },
      );
      expect(r.code).toBe(2);
      expect(printed(r)).toContain('unknown part: shipping');
      expect(printed(r)).not.toContain('waiting for the database');
    });
  },
);

(wordpressMissing.length ? describe.skip : describe)(
  'woocommerce-store setup.sh: the WordPress part (wp-cli, WordPress, MariaDB)',
  () => {
    let site: string;
    let cliBin: string;
    const options = (names: string[]) =>
      Object.fromEntries(
        db!.query(
          `SELECT option_name, option_value FROM wp_options WHERE option_name IN (${names
            .map(n => `'${n}'`)
            .join(',')})`,
          'wordpress',
        ),
      );
    const users = () =>
      db!.query(
        `SELECT u.user_login, u.user_email, u.user_pass, m.meta_value FROM wp_users u
         LEFT JOIN wp_usermeta m ON m.user_id = u.ID AND m.meta_key = 'wp_capabilities'`,
        'wordpress',
      );
    const setup = (parts: string[], over: Record<string, string> = {}) =>
      runAsSiteUser('/bin/sh', [setupScript, ...parts], {
        ...setupEnv(over),
        PATH: `${cliBin}:/usr/bin:/bin`,
        WORDPRESS_PATH: site,
        WP_CLI_CACHE_DIR: path.join(work, 'wp-cli-cache'),
      });
    /** WordPress's own check of a password against the stored hash */
    const passwordMatches = async (password: string, hash: string) =>
      (
        await runAsSiteUser(
          realPath(php),
          [
            '-r',
            `define('SHORTINIT', true);
             require getenv('SITE') . '/wp-load.php';
             require ABSPATH . WPINC . '/pluggable.php';
             exit(wp_check_password(getenv('CANDIDATE'), getenv('HASH')) ? 0 : 1);`,
          ],
          { ...setupEnv(), SITE: site, CANDIDATE: password, HASH: hash },
        )
      ).code === 0;

    beforeAll(() => {
      site = makeSite(realPath(wordpress), work);
      const cli = realPath(wpCli);
      cliBin = binDir(path.join(work, 'cli'), { php: realPath(php) });
      if (cli.endsWith('.phar')) {
        // as in the wordpress:cli image: the phar itself is `wp` (#!/usr/bin/env php)
        fs.copyFileSync(cli, path.join(cliBin, 'wp'));
        fs.chmodSync(path.join(cliBin, 'wp'), 0o755);
      } else {
        fs.symlinkSync(cli, path.join(cliBin, 'wp'));
      }
      const cache = path.join(work, 'wp-cli-cache');
      fs.mkdirSync(cache);
      if (runsAsRoot()) fs.chownSync(cache, WWW_DATA, WWW_DATA);
    }, 60_000);

    it('installs WordPress with the admin from the Secret, the site URL and pretty permalinks', async () => {
      const r = await setup(['wordpress', 'permalinks']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(r.stdout).toContain('installing WordPress');
      // wp-cli echoes a --prompt'ed command with its values unless told to be quiet
      expect(printed(r)).not.toContain(adminPassword);
      expect(printed(r)).not.toContain(dbPassword);

      expect(
        options([
          'home',
          'siteurl',
          'blogname',
          'admin_email',
          'permalink_structure',
        ]),
      ).toEqual({
        home: 'http://demo.127.0.0.1.nip.io',
        siteurl: 'http://demo.127.0.0.1.nip.io',
        blogname: 'demo',
        admin_email: 'admin@demo.127.0.0.1.nip.io',
        permalink_structure: '/%postname%/',
      });
      // the flush wrote the rules for /<post-name>/
      expect(options(['rewrite_rules']).rewrite_rules).toContain('([^/]+)');

      const rows = users();
      expect(
        rows.map(([login, email, , caps]) => [login, email, caps]),
      ).toEqual([
        [
          'admin',
          'admin@demo.127.0.0.1.nip.io',
          'a:1:{s:13:"administrator";b:1;}',
        ],
      ]);
      expect(await passwordMatches(adminPassword, rows[0][2])).toBe(true);
      expect(await passwordMatches(secret(), rows[0][2])).toBe(false);
    }, 120_000);

    it('runs again without reinstalling, and follows the store URL to https', async () => {
      const hashBefore = users()[0][2];
      const r = await setup(['wordpress', 'permalinks'], {
        STORE_URL: 'https://demo.example.com',
      });
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(r.stdout).not.toContain('installing WordPress');
      expect(r.stdout).not.toContain('Rewrite structure set');
      expect(options(['home', 'siteurl', 'permalink_structure'])).toEqual({
        home: 'https://demo.example.com',
        siteurl: 'https://demo.example.com',
        permalink_structure: '/%postname%/',
      });
      expect(users().map(u => [u[0], u[2]])).toEqual([['admin', hashBefore]]);
    }, 120_000);
  },
);
