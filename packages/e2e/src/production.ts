/*
 * The portal as production runs it, without a container engine: the image that
 * packages/backend/Dockerfile describes, reproduced into a temp dir by following its COPY and
 * RUN lines, and the backend container that the stores-portal chart renders, started from that
 * dir with the chart's own command, environment and mounted config. Used by
 * production.smoke.test.ts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { endGroup, killGroupNow, tailLog } from './processGroup';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

/** One instruction of a Dockerfile, continuation lines joined. */
export interface DockerInstruction {
  /** upper case, e.g. COPY */
  keyword: string;
  /** `--name=value` flags, e.g. chown, from, mount (repeated flags joined with a newline) */
  flags: Record<string, string>;
  /** the rest of the line after the flags */
  args: string;
  /** 1-based line of the instruction, for messages */
  line: number;
}

export interface DockerStage {
  name?: string;
  base: string;
  instructions: DockerInstruction[];
}

/** The stages of a Dockerfile (comments and parser directives dropped). */
export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = lines[i];
    if (/^\s*(#|$)/.test(logical)) continue;
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      i += 1;
      // comment and empty lines inside a continued instruction are dropped, as Docker does
      if (/^\s*(#|$)/.test(lines[i])) continue;
      logical = `${logical.replace(/\\\s*$/, ' ')}${lines[i]}`;
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(logical);
    if (!match)
      throw new Error(`Dockerfile line ${first}: cannot read "${logical}"`);
    const keyword = match[1].toUpperCase();
    let rest = match[2].trim();
    const flags: Record<string, string> = {};
    for (;;) {
      const flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
      if (!flag) break;
      flags[flag[1]] = flags[flag[1]]
        ? `${flags[flag[1]]}\n${flag[2] ?? ''}`
        : flag[2] ?? '';
      rest = rest.slice(flag[0].length);
    }
    const instruction = { keyword, flags, args: rest, line: first };
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile line ${first}: FROM ${rest}?`);
      stages.push({ base: from[1], name: from[2], instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') {
        throw new Error(`Dockerfile line ${first}: ${keyword} before FROM`);
      }
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

/** `ARG NAME=value` defaults of a stage. */
export function stageArgs(stage: DockerStage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of stage.instructions.filter(x => x.keyword === 'ARG')) {
    const [name, ...value] = i.args.split('=');
    out[name.trim()] = value.join('=').trim();
  }
  return out;
}

/**
 * Whether a path of the build context is left out by .dockerignore: a pattern matches the
 * path or one of its parent directories, `*` within one segment, `**` across segments, and a
 * later `!pattern` takes a match back.
 */
export function dockerignore(contextDir: string): (relPath: string) => boolean {
  const file = path.join(contextDir, '.dockerignore');
  const rules = (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map(l => {
      const negate = l.startsWith('!');
      const pattern = path.posix
        .normalize(negate ? l.slice(1) : l)
        .replace(/^\/+/, '');
      const source = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map(part => {
          if (part === '**/' || part === '**') return '(?:.*/)?';
          if (part === '*') return '[^/]*';
          if (part === '?') return '[^/]';
          return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (relPath: string) => {
    const segments = relPath.split('/');
    let ignored = false;
    for (const rule of rules) {
      for (let n = 1; n <= segments.length; n++) {
        if (rule.regex.test(segments.slice(0, n).join('/'))) {
          ignored = !rule.negate;
          break;
        }
      }
    }
    return ignored;
  };
}

/** The image as files: its root file system, and what the Dockerfile says about running it. */
export interface ReproducedImage {
  /** a temp dir standing for the image's `/` */
  rootfs: string;
  /** the last WORKDIR, a path inside the image (e.g. /app) */
  workdir: string;
  /** USER of the final stage */
  user: string;
  env: Record<string, string>;
  cmd: string[];
  /** what each step did or why it was not needed here, one line per step */
  log: string[];
}

/** A path inside the image, as a path on this machine. */
export const inImage = (image: { rootfs: string }, p: string) =>
  path.join(image.rootfs, p);

interface Spawned {
  code: number | null;
  output: string;
}

/** Runs a program to its end; its output is kept for the error message. */
export function runIn(
  cwd: string,
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', code => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function runOkIn(
  cwd: string,
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<void> {
  const r = await runIn(cwd, file, args, options);
  if (r.code !== 0) {
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} exited ${r.code}:\n${r.output
        .split('\n')
        .slice(-60)
        .join('\n')}`,
    );
  }
}

/** The environment of a program this harness starts: this process's, without jest's. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('NODE_ENV' in extra)) delete env.NODE_ENV; // jest sets NODE_ENV=test
  delete env.JEST_WORKER_ID;
  return env;
}

function copyInto(
  source: string,
  dest: string,
  relSource: string,
  ignored: (rel: string) => boolean,
) {
  const stat = fs.statSync(source);
  if (stat.isDirectory()) {
    fs.mkdirSync(dest, { recursive: true });
    for (const entry of fs.readdirSync(source)) {
      const rel = relSource === '.' ? entry : `${relSource}/${entry}`;
      if (ignored(rel)) continue;
      copyInto(path.join(source, entry), path.join(dest, entry), rel, ignored);
    }
  } else {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(source, dest);
    fs.chmodSync(dest, stat.mode);
  }
}

/** The context paths a COPY source names: a path, or a glob in its last segment. */
function expandSource(
  contextDir: string,
  source: string,
  ignored: (rel: string) => boolean,
): string[] {
  const rel = path.posix.normalize(source).replace(/^\.?\/+/, '');
  if (!/[*?]/.test(rel)) {
    if (!fs.existsSync(path.join(contextDir, rel)) || ignored(rel)) {
      throw new Error(
        `COPY ${source}: not in the build context (missing, or left out by .dockerignore)`,
      );
    }
    return [rel];
  }
  const dir = path.posix.dirname(rel);
  if (/[*?]/.test(dir)) throw new Error(`COPY ${source}: glob in a directory`);
  const pattern = new RegExp(
    `^${path.posix
      .basename(rel)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  const found = fs
    .readdirSync(path.join(contextDir, dir))
    .filter(f => pattern.test(f))
    .map(f => (dir === '.' ? f : `${dir}/${f}`))
    .filter(f => !ignored(f))
    .sort();
  if (found.length === 0) throw new Error(`COPY ${source}: matches nothing`);
  return found;
}

/**
 * Builds the image's file system into `rootfs` the way `docker build` would with
 * packages/backend/Dockerfile, step by step in the final stage:
 * - COPY from the build context (with .dockerignore), as Docker copies: a directory's
 *   contents into the destination, files into a destination ending in '/';
 * - COPY --from=<stage>: the file that stage makes, from `stageFiles` (a stage is not run
 *   here; e.g. the helm stage's binary is the test bed's helm of the same major version);
 * - RUN: only the commands this function knows: `tar xzf`/`rm` of the copied archives and
 *   `yarn workspaces focus` (run offline, its cache mount being Yarn's global cache on this
 *   machine); apt-get installs the base image's system packages, not needed here. Any other
 *   RUN fails, so that a new step in the Dockerfile is reproduced here too, not skipped.
 */
export async function reproduceImage(options: {
  contextDir: string;
  dockerfile: string;
  rootfs: string;
  stageFiles: Record<string, string>;
}): Promise<ReproducedImage> {
  const { contextDir, rootfs } = options;
  const stages = parseDockerfile(fs.readFileSync(options.dockerfile, 'utf8'));
  const final = stages[stages.length - 1];
  const ignored = dockerignore(contextDir);
  const image: ReproducedImage = {
    rootfs,
    workdir: '/',
    user: 'root',
    env: {},
    cmd: [],
    log: [],
  };
  const at = (i: DockerInstruction) =>
    `Dockerfile line ${i.line} (${i.keyword} ${i.args})`;
  const resolveInImage = (p: string) =>
    path.posix.isAbsolute(p) ? p : path.posix.join(image.workdir, p);

  for (const i of final.instructions) {
    switch (i.keyword) {
      case 'ARG':
      case 'LABEL':
      case 'EXPOSE':
        break;
      case 'USER':
        image.user = i.args.trim();
        break;
      case 'WORKDIR':
        image.workdir = resolveInImage(i.args.trim());
        fs.mkdirSync(inImage(image, image.workdir), { recursive: true });
        break;
      case 'ENV': {
        const m = /^(\S+?)[= ](.*)$/.exec(i.args.trim());
        if (!m) throw new Error(`${at(i)}: cannot read`);
        image.env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
        break;
      }
      case 'CMD':
        image.cmd = JSON.parse(i.args);
        break;
      case 'COPY': {
        const parts = i.args.split(/\s+/);
        const dest = parts.pop()!;
        const destInImage = resolveInImage(dest);
        if (i.flags.from) {
          for (const source of parts) {
            const provided = options.stageFiles[source];
            if (!provided) {
              throw new Error(
                `${at(i)}: no stand-in given for ${source} of stage ${
                  i.flags.from
                }`,
              );
            }
            const target =
              dest.endsWith('/') || parts.length > 1
                ? path.posix.join(destInImage, path.posix.basename(source))
                : destInImage;
            fs.mkdirSync(path.dirname(inImage(image, target)), {
              recursive: true,
            });
            fs.symlinkSync(provided, inImage(image, target));
            image.log.push(
              `${at(i)}: ${target} -> ${provided} (stand-in for stage ${
                i.flags.from
              })`,
            );
          }
          break;
        }
        const sources = parts.flatMap(s =>
          expandSource(contextDir, s, ignored),
        );
        const intoDir = dest.endsWith('/') || parts.length > 1;
        for (const rel of sources) {
          const from = path.join(contextDir, rel);
          const isDir = fs.statSync(from).isDirectory();
          const target =
            !isDir && intoDir
              ? path.posix.join(destInImage, path.posix.basename(rel))
              : destInImage;
          copyInto(from, inImage(image, target), rel, ignored);
        }
        image.log.push(`${at(i)}: copied ${sources.join(', ')}`);
        break;
      }
      case 'RUN': {
        const started = Date.now();
        const what = await reproduceRun(image, i, at(i));
        image.log.push(
          `${at(i)}: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
        break;
      }
      default:
        throw new Error(`${at(i)}: ${i.keyword} is not reproduced here`);
    }
  }
  return image;
}

async function reproduceRun(
  image: ReproducedImage,
  i: DockerInstruction,
  at: string,
): Promise<string> {
  const cwd = inImage(image, image.workdir);
  const commands = i.args.split('&&').map(c => c.trim());
  if (
    commands.some(
      c => /^apt-get\b/.test(c) || /^rm -rf \/var\/lib\/apt/.test(c),
    )
  ) {
    if (!commands.every(c => /^(apt-get\b|rm -rf \/var\/lib\/apt)/.test(c))) {
      throw new Error(`${at}: apt-get mixed with other commands`);
    }
    return 'system packages of the base image, not needed here';
  }
  for (const command of commands) {
    const words = command.split(/\s+/);
    if (
      (/^tar x[z]?f$/.test(`${words[0]} ${words[1]}`) && words.length === 3) ||
      (words[0] === 'rm' && words.length === 2)
    ) {
      const file = words[words.length - 1];
      if (path.isAbsolute(file) || file.includes('..')) {
        throw new Error(`${at}: ${command} leaves the working directory`);
      }
      await runOkIn(cwd, words[0], words.slice(1), {
        env: childEnv(),
        timeoutMs: 120_000,
      });
    } else if (command === 'yarn workspaces focus --all --production') {
      // `yarn` in the node image hands over to the release .yarnrc.yml names
      const yarnrc = parse(
        fs.readFileSync(path.join(cwd, '.yarnrc.yml'), 'utf8'),
      );
      const release = path.join(cwd, yarnrc.yarnPath);
      await runOkIn(cwd, process.execPath, [release, ...words.slice(1)], {
        env: childEnv({
          ...image.env,
          // offline: the packages come from Yarn's global cache, which `yarn install` in the
          // clone filled; the image's cache mount plays that part in a docker build
          YARN_ENABLE_NETWORK: '0',
          YARN_ENABLE_TELEMETRY: '0',
          YARN_ENABLE_PROGRESS_BARS: '0',
        }),
        timeoutMs: 10 * 60_000,
      });
    } else {
      throw new Error(
        `${at}: "${command}" is not reproduced by packages/e2e/src/production.ts; teach reproduceRun what it does`,
      );
    }
  }
  return 'ran';
}

/** `helm template` output as objects. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map(doc => doc.toJS())
    .filter((o): o is K8sObject => Boolean(o && typeof o === 'object'));
}

/** The backend container of the rendered stores-portal chart and its pod. */
export function backendContainer(objects: K8sObject[]) {
  const deployment = objects.find(o => o.kind === 'Deployment');
  if (!deployment) throw new Error('the chart rendered no Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c: K8sObject) => c.name === 'backend');
  if (!container) throw new Error('the Deployment has no backend container');
  return { deployment, pod, container };
}

/** The names of the `${VAR}` substitutions in an app-config document (comments excluded). */
export function configVariables(config: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      // `$${X}` is an escaped literal, not a substitution
      for (const m of v.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        found.add(m[1]);
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(config);
  return [...found].sort();
}

/** What the kubelet would start for the backend container, as a process on this machine. */
export interface ContainerProcess {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * The backend container as a process started from the reproduced image: the chart's command
 * in the chart's workingDir, exactly the chart's environment (secretKeyRef values from the
 * rendered Secrets or from `secrets`, as the cluster would hold them), the ConfigMap and
 * emptyDir volumes at their mount paths inside the image's root. `node` is this Node.
 * Paths inside the container (arguments and values under a mount or the image) are given
 * as paths under the image's root.
 */
export function containerProcess(options: {
  objects: K8sObject[];
  image: ReproducedImage;
  secrets: Record<string, Record<string, string>>;
}): ContainerProcess {
  const { objects, image } = options;
  const { pod, container } = backendContainer(objects);

  const mounts: string[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes.find((v: K8sObject) => v.name === mount.name);
    const dir = inImage(image, mount.mountPath);
    fs.mkdirSync(dir, { recursive: true });
    mounts.push(mount.mountPath);
    if (volume.configMap) {
      const cm = objects.find(
        o =>
          o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name,
      );
      if (!cm)
        throw new Error(`no ConfigMap ${volume.configMap.name} rendered`);
      for (const [key, value] of Object.entries<string>(cm.data ?? {})) {
        fs.writeFileSync(path.join(dir, key), value);
      }
    } else if (!volume.emptyDir) {
      throw new Error(
        `volume ${volume.name}: only configMap and emptyDir are reproduced`,
      );
    }
  }
  const underMount = (v: string) =>
    mounts.some(m => v === m || v.startsWith(`${m}/`));
  const mapPath = (v: string) => (underMount(v) ? inImage(image, v) : v);

  const secretValue = (ref: { name: string; key: string }): string => {
    const rendered = objects.find(
      o => o.kind === 'Secret' && o.metadata.name === ref.name,
    );
    if (rendered?.data?.[ref.key] !== undefined) {
      return Buffer.from(rendered.data[ref.key], 'base64').toString('utf8');
    }
    if (rendered?.stringData?.[ref.key] !== undefined) {
      return rendered.stringData[ref.key];
    }
    const given = options.secrets[ref.name]?.[ref.key];
    if (given === undefined) {
      throw new Error(
        `the Deployment reads key ${ref.key} of Secret ${ref.name}, which the chart does not render and the test does not provide`,
      );
    }
    return given;
  };

  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = mapPath(String(e.value));
    else if (e.valueFrom?.secretKeyRef) {
      env[e.name] = secretValue(e.valueFrom.secretKeyRef);
    } else {
      throw new Error(
        `env ${e.name}: only value and secretKeyRef are reproduced`,
      );
    }
  }
  const [program, ...args] = [
    ...(container.command ?? image.cmd),
    ...(container.args ?? []),
  ];
  if (program !== 'node') {
    throw new Error(`the container runs ${program}, not node`);
  }
  return {
    file: process.execPath,
    args: args.map(mapPath),
    cwd: inImage(image, container.workingDir ?? image.workdir),
    env: {
      // the image's own environment, then the container's, which wins
      ...image.env,
      PATH: `${inImage(image, '/usr/local/bin')}:/usr/bin:/bin`,
      ...env,
    },
  };
}

/** A started backend process, in a process group of its own. */
export interface RunningBackend {
  child: ChildProcess;
  logPath: string;
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export function startProcess(
  proc: ContainerProcess,
  logPath: string,
): RunningBackend {
  const log = fs.openSync(logPath, 'a');
  const child = spawn(proc.file, proc.args, {
    cwd: proc.cwd,
    env: proc.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const kill = () => killGroupNow(child.pid);
  process.once('exit', kill);
  return {
    child,
    logPath,
    tail: (lines = 60) => tailLog(logPath, lines),
    async stop() {
      process.off('exit', kill);
      await endGroup(child.pid);
    },
  };
}
