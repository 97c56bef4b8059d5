/*
 * The medusa-store chart's server takes an order, natively (no containers): the Medusa project
 * in charts/medusa-store/image is installed and built as its Dockerfile does (npm ci, medusa
 * build, npm ci --omit=dev in .medusa/server), against a throwaway PostgreSQL and Redis. The
 * chart is rendered with Helm and its containers run as the kubelet would start them (see
 * lib/localContainer.ts): the migrations Job (migrations, admin user, seed), the server's
 * init container, then the server itself. charts/scripts/verify-medusa-order.sh then places an
 * order through the store API and finds it as the admin, as it does against a real cluster.
 *
 * Needs PostgreSQL's programs and redis-server (.ci/run installs both); without them the test is
 * skipped and says why. npm's cache (~/.npm) makes a second run much faster.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  FinishedGroup,
  StartedGroup,
  endAllGroups,
  endGroup,
  groupRssBytes,
  runGroup,
  startGroup,
  tailLog,
} from '@internal/e2e';
import { freePort, runOk } from '@internal/testbed';
import {
  K8sObject,
  chartPath,
  chartsDir,
  helmBinaries,
  render,
} from './lib/helm';
import { localContainer, LocalContainer } from './lib/localContainer';

const MINUTE = 60_000;
const repoRoot = path.resolve(chartsDir, '..');
const imageDir = path.join(chartPath('medusa-store'), 'image');

// ---------------------------------------------------------------- what this machine must have

function onPath(program: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some(dir => dir && fs.existsSync(path.join(dir, program)));
}

/** Debian keeps PostgreSQL's server programs out of PATH (scripts/postgres.sh looks there too) */
function postgresInstalled(): boolean {
  if (onPath('initdb')) return true;
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .some(v => fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  } catch {
    return false;
  }
}

const missing = [
  ...(postgresInstalled() ? [] : ['PostgreSQL (initdb)']),
  ...(onPath('redis-server') ? [] : ['redis-server']),
];
if (missing.length) {
  // eslint-disable-next-line no-console
  console.warn(
    `SKIPPED medusa.native.test.ts: ${missing.join(
      ' and ',
    )} not installed (Debian: apt-get install postgresql redis-server; .ci/run does)`,
  );
}
const describeIfServers = missing.length ? describe.skip : describe;

// ------------------------------------------------------------------------------- small helpers

/** `export K=V` lines of scripts/postgres.sh and scripts/redis.sh */
function exportsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Za-z0-9_]+)=(.*)$/gm)) {
    out[m[1]] = m[2];
  }
  return out;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', d => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** .dockerignore's patterns (no slash: names at the top of the context) as one matcher */
function dockerIgnored(dir: string): (relative: string) => boolean {
  const patterns = fs
    .readFileSync(path.join(dir, '.dockerignore'), 'utf8')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map(
      p =>
        new RegExp(
          `^${p
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]')}$`,
        ),
    );
  return relative => patterns.some(re => re.test(relative));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** the programs npm and npx of the Node running the tests */
function nodeTool(name: string): string {
  const beside = path.join(path.dirname(process.execPath), name);
  return fs.existsSync(beside) ? beside : name;
}

// ------------------------------------------------------------------------------------ the test

describeIfServers('medusa-store server, run natively from the chart', () => {
  const figures: [string, string][] = [];
  const t0 = Date.now();
  let work: string;
  let objects: K8sObject[];
  let serverDir: string;
  let pgDir: string | undefined;
  let redisDir: string | undefined;
  let hosts: Record<string, string> = {};
  let server: StartedGroup | undefined;
  let serverUrl = '';
  let migrationsEnv: Record<string, string> = {};

  const logPath = (name: string) => path.join(work, 'logs', `${name}.log`);

  /** runs a step as a process group and fails with the end of its log when it fails */
  async function step(
    name: string,
    argv: string[],
    opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
  ): Promise<FinishedGroup> {
    const r = await runGroup(argv[0], argv.slice(1), {
      ...opts,
      logPath: logPath(name),
    });
    if (r.code !== 0) {
      throw new Error(
        `${name} (${argv.join(' ')}) exited ${r.code} after ${seconds(
          r.ms,
        )}:\n${tailLog(logPath(name), 60)}`,
      );
    }
    return r;
  }

  const pod = (component: string) => {
    const owner = objects.find(
      o =>
        (o.kind === 'Job' || o.kind === 'Deployment') &&
        o.metadata.labels?.['app.kubernetes.io/component'] === component,
    );
    if (!owner) throw new Error(`no ${component} workload in the chart`);
    return owner.spec.template.spec as K8sObject;
  };

  /** a container of the chart as the kubelet would start it here */
  function chartContainer(
    podSpec: K8sObject,
    container: K8sObject,
    overrides: Record<string, string> = {},
  ): LocalContainer {
    return localContainer({
      objects,
      podSpec,
      container,
      volumesDir: path.join(work, 'volumes'),
      // the image's WORKDIR, where the built server is
      imagePaths: { '/server': serverDir },
      hosts,
      // the image's ENV (image/Dockerfile), and this machine's PATH for node, sh and the like
      imageEnv: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ENV: 'production',
        MEDUSA_DISABLE_TELEMETRY: 'true',
      },
      overrides,
    });
  }

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'medusa-native-'));
    fs.mkdirSync(path.join(work, 'logs'));

    objects = await render(helmBinaries()[0], 'medusa-store');

    // The database and Redis the chart's URLs point at, with the chart's credentials. The
    // URLs are read from the migrations Job as rendered, before any host is mapped.
    const unmapped = chartContainer(
      pod('migrations'),
      pod('migrations').containers[0],
    ).env;
    const database = new URL(unmapped.DATABASE_URL);
    const redis = new URL(unmapped.REDIS_URL);

    const pg = exportsOf(
      await runOk('bash', [
        path.join(repoRoot, 'scripts', 'postgres.sh'),
        'start',
      ]),
    );
    pgDir = pg.STORES_TEST_POSTGRES_DIR;
    const admin = new URL(
      Object.entries(pg).find(([k]) =>
        /^BACKSTAGE_TEST_DATABASE_POSTGRES\d+_CONNECTION_STRING$/.test(k),
      )![1],
    );
    // what the postgres image makes of POSTGRES_USER / _PASSWORD / _DB; the SQL (with the
    // password) goes on stdin, never on psql's command line
    const role = decodeURIComponent(database.username);
    const sql = `CREATE ROLE "${role}" LOGIN PASSWORD '${decodeURIComponent(
      database.password,
    )}';\nCREATE DATABASE "${database.pathname.slice(1)}" OWNER "${role}";\n`;
    await runOk(
      'psql',
      [
        '-h',
        admin.hostname,
        '-p',
        admin.port,
        '-U',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
        '-q',
        '-f',
        '-',
      ],
      { input: sql },
    );

    const redisPasswordFile = path.join(work, 'redis-password');
    fs.writeFileSync(redisPasswordFile, decodeURIComponent(redis.password), {
      mode: 0o600,
    });
    const rd = exportsOf(
      await runOk('bash', [
        path.join(repoRoot, 'scripts', 'redis.sh'),
        'start',
        redisPasswordFile,
      ]),
    );
    redisDir = rd.STORES_TEST_REDIS_DIR;
    hosts = {
      [database.host]: `127.0.0.1:${admin.port}`,
      [redis.host]: `127.0.0.1:${rd.STORES_TEST_REDIS_PORT}`,
    };

    // The image's build, step by step (image/Dockerfile), in a copy of its build context.
    const app = path.join(work, 'app');
    const ignored = dockerIgnored(imageDir);
    fs.cpSync(imageDir, app, {
      recursive: true,
      filter: src =>
        !ignored(path.relative(imageDir, src).split(path.sep).join('/')),
    });
    const buildEnv: NodeJS.ProcessEnv = {
      ...process.env,
      MEDUSA_BACKEND_URL: '/',
      MEDUSA_DISABLE_TELEMETRY: 'true',
    };
    delete buildEnv.NODE_ENV; // jest's "test"; the build stage sets none
    // --prefer-offline: what is in npm's cache is used without asking the registry again (the
    // lock file pins every version and checksum; the Dockerfile starts from an empty cache)
    const install = await step(
      'npm-ci',
      [nodeTool('npm'), 'ci', '--prefer-offline', '--no-audit', '--no-fund'],
      {
        cwd: app,
        env: buildEnv,
        timeoutMs: 15 * MINUTE,
      },
    );
    figures.push(['npm ci (project)', seconds(install.ms)]);
    const build = await step(
      'medusa-build',
      [nodeTool('npx'), 'medusa', 'build'],
      {
        cwd: app,
        env: buildEnv,
        timeoutMs: 10 * MINUTE,
      },
    );
    figures.push(['medusa build', seconds(build.ms)]);
    serverDir = path.join(app, '.medusa', 'server');
    const prodInstall = await step(
      'npm-ci-production',
      [
        nodeTool('npm'),
        'ci',
        '--omit=dev',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      {
        cwd: serverDir,
        env: { ...buildEnv, NODE_ENV: 'production' },
        timeoutMs: 15 * MINUTE,
      },
    );
    figures.push(['npm ci --omit=dev (built server)', seconds(prodInstall.ms)]);
  }, 45 * MINUTE);

  afterAll(async () => {
    await endAllGroups();
    if (redisDir) {
      await runOk('bash', [
        path.join(repoRoot, 'scripts', 'redis.sh'),
        'stop',
        redisDir,
      ]);
    }
    if (pgDir) {
      await runOk('bash', [
        path.join(repoRoot, 'scripts', 'postgres.sh'),
        'stop',
        pgDir,
      ]);
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
    figures.push(['whole test', seconds(Date.now() - t0)]);
    // eslint-disable-next-line no-console
    console.log(
      `medusa-store native run:\n${figures
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}`,
    );
  }, 5 * MINUTE);

  it('the chart runs the image built from this project, by the steps this test takes', () => {
    const version = JSON.parse(
      fs.readFileSync(path.join(imageDir, 'package.json'), 'utf8'),
    ).version;
    for (const component of ['migrations', 'medusa']) {
      for (const c of [
        ...(pod(component).initContainers ?? []),
        ...pod(component).containers,
      ]) {
        expect(c.image).toBe(`medusa-store-server:${version}`);
      }
    }
    const dockerfile = fs.readFileSync(
      path.join(imageDir, 'Dockerfile'),
      'utf8',
    );
    for (const line of [
      'RUN npm ci --no-audit --no-fund',
      'RUN npx medusa build',
      'RUN npm ci --omit=dev --no-audit --no-fund',
      'MEDUSA_BACKEND_URL=/',
      'WORKDIR /server',
      'COPY --from=build /app/.medusa/server ./',
    ]) {
      expect(dockerfile).toContain(line);
    }
  });

  it(
    'the migrations Job migrates, creates the admin user and seeds the store',
    async () => {
      const job = chartContainer(
        pod('migrations'),
        pod('migrations').containers[0],
      );
      migrationsEnv = job.env;
      const r = await step('migrations-r1', job.argv, {
        cwd: job.cwd,
        env: job.env,
        timeoutMs: 10 * MINUTE,
      });
      figures.push(['migrations Job (migrate, admin, seed)', seconds(r.ms)]);
      const log = fs.readFileSync(logPath('migrations-r1'), 'utf8');
      expect(log).toContain('[release] migrations recorded for revision 1');
      expect(log).toContain('[create-admin] admin user');
      expect(log).toContain('[seed] done');
      expect(log).toContain('[migrations] done');
    },
    15 * MINUTE,
  );

  it(
    "the server's init container finds the migrations of its revision",
    async () => {
      const spec = pod('medusa');
      const init = chartContainer(spec, spec.initContainers[0]);
      // it waits up to migrations.waitSeconds for a missing revision: a minute here is a failure
      const r = await step('wait-for-migrations', init.argv, {
        cwd: init.cwd,
        env: init.env,
        timeoutMs: MINUTE,
      });
      expect(
        fs.readFileSync(logPath('wait-for-migrations'), 'utf8'),
      ).not.toContain('gave up');
      expect(r.code).toBe(0);
    },
    2 * MINUTE,
  );

  it(
    'the server starts, answers /health and serves the admin dashboard',
    async () => {
      const spec = pod('medusa');
      const port = await freePort();
      const main = chartContainer(spec, spec.containers[0], {
        PORT: String(port),
      });
      serverUrl = `http://127.0.0.1:${port}`;
      const started = Date.now();
      server = startGroup(main.argv[0], main.argv.slice(1), {
        cwd: main.cwd,
        env: main.env,
        logPath: logPath('server'),
      });
      let exitCode: number | null | undefined;
      server.exited.then(
        code => (exitCode = code),
        () => (exitCode = -1),
      );
      for (;;) {
        const health = await httpGet(`${serverUrl}/health`).catch(
          () => undefined,
        );
        if (health?.status === 200) break;
        if (exitCode !== undefined || Date.now() - started > 5 * MINUTE) {
          throw new Error(
            `the server ${
              exitCode !== undefined ? `exited ${exitCode}` : 'never answered'
            }:\n${tailLog(logPath('server'), 60)}`,
          );
        }
        await new Promise(r => setTimeout(r, 250));
      }
      figures.push([
        'server start (process start to /health 200)',
        seconds(Date.now() - started),
      ]);

      const dashboard = await httpGet(`${serverUrl}/app/`);
      expect(dashboard.status).toBe(200);
      expect(dashboard.body).toMatch(/<html/i);
    },
    6 * MINUTE,
  );

  it(
    'verify-medusa-order.sh places an order through the store API and the admin finds it',
    async () => {
      expect(server).toBeDefined();
      const r = await runGroup(
        'bash',
        [path.join(chartsDir, 'scripts', 'verify-medusa-order.sh')],
        {
          cwd: work,
          env: {
            PATH: process.env.PATH,
            HOME: work,
            TMPDIR: work,
            STORE_URL: serverUrl,
            // the admin the migrations Job created, from the same Secret and mounted file
            ADMIN_EMAIL: migrationsEnv.ADMIN_EMAIL,
            ADMIN_PASSWORD_FILE: migrationsEnv.ADMIN_PASSWORD_FILE,
          },
          logPath: logPath('verify-order'),
          timeoutMs: 5 * MINUTE,
        },
      );
      const out = fs.readFileSync(logPath('verify-order'), 'utf8');
      if (r.code !== 0) {
        throw new Error(`verify-medusa-order.sh exited ${r.code}:\n${out}`);
      }
      figures.push(['order check (verify-medusa-order.sh)', seconds(r.ms)]);

      const orderId = /^order id: (order_[0-9A-Z]+)$/m.exec(out);
      const status = /^status: (\w+)$/m.exec(out);
      const total = /^total: (\d+(?:\.\d+)?) ([a-z]{3})$/m.exec(out);
      expect(orderId).not.toBeNull();
      expect(status?.[1]).toBe('pending');
      expect(Number(total?.[1])).toBeGreaterThan(0);
      expect(total?.[2]).toBe('eur');
      expect(out).toContain(`PASSED: order ${orderId![1]}`);
      // eslint-disable-next-line no-console
      console.log(
        `the order the Medusa server took:\n${[orderId, status, total]
          .map(m => `  ${m![0]}`)
          .join('\n')}`,
      );

      const rss = groupRssBytes(server!.pid);
      if (rss !== undefined) {
        figures.push([
          'server RSS after the order',
          `${Math.round(rss / 2 ** 20)} MiB`,
        ]);
      }
    },
    6 * MINUTE,
  );

  it(
    "the next revision's migrations Job keeps the admin and the seed, and the server keeps serving",
    async () => {
      expect(server).toBeDefined();
      // helm template always renders revision 1; an upgrade renders the same Job as revision 2
      const job = chartContainer(
        pod('migrations'),
        pod('migrations').containers[0],
        {
          RELEASE_REVISION: '2',
        },
      );
      await step('migrations-r2', job.argv, {
        cwd: job.cwd,
        env: job.env,
        timeoutMs: 10 * MINUTE,
      });
      const log = fs.readFileSync(logPath('migrations-r2'), 'utf8');
      expect(log).toContain('[release] migrations recorded for revision 2');
      expect(log).toContain('[migrations] admin user already exists');
      expect(log).toContain('[migrations] store already seeded');
      expect((await httpGet(`${serverUrl}/health`)).status).toBe(200);

      await endGroup(server!.pid);
      server = undefined;
    },
    12 * MINUTE,
  );
});
