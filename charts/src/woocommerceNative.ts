/*
 * The real programs behind woocommerce.native.test.ts: PHP with mysqli, a throwaway MariaDB
 * (scripts/mariadb.sh), Debian's WordPress copied into a site directory with a wp-config.php that
 * reads the same environment as the official image's, and wp-cli when this machine has it.
 * Each finder returns the program, or the reason it is missing, so the test can say why it skips.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chartsDir } from './lib/helm';

const repoRoot = path.resolve(chartsDir, '..');

export type Found = { path: string } | { missing: string };

/** a program on PATH or in the sbin directories (Debian keeps mariadbd there) */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** php with the mysqli extension, which the setup's database wait and WordPress both use */
export function findPhp(): Found {
  const php = findProgram('php');
  if (!php) return { missing: 'php is not installed (Debian: php-cli)' };
  try {
    execFileSync(php, [
      '-r',
      'exit(function_exists("mysqli_connect") ? 0 : 1);',
    ]);
  } catch {
    return { missing: 'php has no mysqli extension (Debian: php-mysql)' };
  }
  return { path: php };
}

export function findMariadb(): Found {
  const missing = ['mariadbd', 'mariadb-install-db', 'mariadb'].filter(
    p => !findProgram(p),
  );
  return missing.length
    ? {
        missing: `MariaDB is not installed: no ${missing.join(
          ', ',
        )} (Debian: mariadb-server-core, mariadb-client-core)`,
      }
    : { path: findProgram('mariadb')! };
}

/** WordPress's own files: WORDPRESS_SOURCE, else Debian's package */
export function findWordpress(): Found {
  const dir = process.env.WORDPRESS_SOURCE || '/usr/share/wordpress';
  return fs.existsSync(path.join(dir, 'wp-settings.php'))
    ? { path: dir }
    : { missing: `no WordPress in ${dir} (Debian: wordpress)` };
}

/**
 * wp-cli: WP_CLI_PHAR (a wp-cli.phar), else `wp` on PATH. No registry that this project's
 * machines reach carries it (Debian 12 has no wp-cli package; npm's and PyPI's `wp-cli` are
 * wrappers that expect it installed; WordPress Playground's CLI downloads it at run time), and
 * its own download sites are not reachable.
 */
export function findWpCli(): Found {
  const phar = process.env.WP_CLI_PHAR;
  if (phar) {
    return fs.existsSync(phar)
      ? { path: phar }
      : { missing: `WP_CLI_PHAR=${phar} does not exist` };
  }
  const wp = findProgram('wp');
  return wp
    ? { path: wp }
    : {
        missing:
          'wp-cli is not installed, and no package registry this project reaches carries it; ' +
          'set WP_CLI_PHAR to a wp-cli.phar (or put `wp` on PATH) to run this part',
      };
}

export const missingOf = (...found: Found[]) =>
  found.flatMap(f => ('missing' in f ? [f.missing] : []));

export interface Mariadb {
  socket: string;
  port: number;
  version: string;
  /** runs SQL as root over the socket; rows of tab-separated columns */
  query(sql: string, database?: string): string[][];
  stop(): void;
}

export function startMariadb(): Mariadb {
  const script = path.join(repoRoot, 'scripts', 'mariadb.sh');
  const out = execFileSync('bash', [script, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const env = Object.fromEntries(
    [...out.matchAll(/^export (\w+)=(.*)$/gm)].map(m => [m[1], m[2]]),
  );
  const dir = env.STORES_TEST_MARIADB_DIR;
  const socket = env.STORES_TEST_MARIADB_SOCKET;
  const client = findProgram('mariadb')!;
  return {
    socket,
    port: Number(env.STORES_TEST_MARIADB_PORT),
    version: env.STORES_TEST_MARIADB_VERSION,
    query: (sql, database) =>
      execFileSync(
        client,
        [
          '--no-defaults',
          `--socket=${socket}`,
          '-uroot',
          '--batch',
          '--skip-column-names',
          '--raw',
          '-e',
          sql,
          ...(database ? [database] : []),
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean)
        .map(line => line.split('\t')),
    stop: () => {
      execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore' });
    },
  };
}

/** uid and gid of www-data in the WordPress images (Debian's too): the chart runs setup as 33 */
export const WWW_DATA = 33;
export const runsAsRoot = () => process.getuid?.() === 0;

/**
 * A WordPress site directory like the chart's volume: WordPress's files, an empty-ish
 * wp-content the site user can write, and a wp-config.php that reads the environment the chart
 * gives the pod (the official image's wp-config-docker.php reads the same names).
 */
export function makeSite(wordpressSource: string, dir: string): string {
  const site = path.join(dir, 'html');
  execFileSync('cp', ['-a', `${wordpressSource}/.`, site]);
  // Debian's own config loader and its link into /etc; translations are not needed
  for (const p of ['wp-config.php', '.htaccess', 'wp-content/languages']) {
    fs.rmSync(path.join(site, p), { recursive: true, force: true });
  }
  fs.writeFileSync(
    path.join(site, 'wp-config.php'),
    `<?php
// The official image's wp-config-docker.php, reduced to what the chart sets.
define('DB_NAME', getenv('WORDPRESS_DB_NAME'));
define('DB_USER', getenv('WORDPRESS_DB_USER'));
define('DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD'));
define('DB_HOST', getenv('WORDPRESS_DB_HOST'));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $name) {
  define($name, getenv('WORDPRESS_' . $name) ?: 'put your unique phrase here');
}
$table_prefix = getenv('WORDPRESS_TABLE_PREFIX') ?: 'wp_';
if ($configExtra = getenv('WORDPRESS_CONFIG_EXTRA')) {
  eval($configExtra);
}
if (!defined('ABSPATH')) {
  define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
`,
  );
  if (runsAsRoot()) {
    execFileSync('chown', ['-R', `${WWW_DATA}:${WWW_DATA}`, site]);
  }
  return site;
}

/** a private temp dir that www-data can enter when the tests run as root */
export function makeWorkDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'woocommerce-native-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** a file only the setup's user can read, as the chart mounts the admin password */
export function writeSecretFile(file: string, content: string) {
  fs.writeFileSync(file, content, { mode: 0o400 });
  if (runsAsRoot()) fs.chownSync(file, WWW_DATA, WWW_DATA);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** runs a program with exactly this environment, as www-data when the tests run as root */
export function runAsSiteUser(
  file: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      ...(runsAsRoot() ? { uid: WWW_DATA, gid: WWW_DATA } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

/** a directory of links to the given real programs, to be the whole PATH of a run */
export function binDir(dir: string, programs: Record<string, string>): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const [name, target] of Object.entries(programs)) {
    fs.symlinkSync(target, path.join(bin, name));
  }
  return bin;
}
