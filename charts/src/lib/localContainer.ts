/*
 * Runs a rendered chart's container without Kubernetes, the way the kubelet would set it up:
 * its volumes made real in a local directory (ConfigMap and Secret files, emptyDirs), its
 * environment resolved (Secret and ConfigMap references, $(VAR) expansion), its working
 * directory and command. Paths inside the image and Service host names are mapped to local
 * ones, so a native test runs exactly the command and environment that the chart renders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { K8sObject } from './helm';

export interface LocalContainer {
  /** the working directory, mapped */
  cwd: string;
  /** command and args, paths mapped; a relative program is resolved against cwd */
  argv: string[];
  /** the image's environment, then the container's, then the overrides */
  env: Record<string, string>;
}

export interface LocalContainerOptions {
  /** every rendered object: the Secrets and ConfigMaps the container refers to are found here */
  objects: K8sObject[];
  podSpec: K8sObject;
  container: K8sObject;
  /** directory the pod's volumes are written to (one subdirectory per volume) */
  volumesDir: string;
  /** paths inside the image (its working directory) and where they are here */
  imagePaths: Record<string, string>;
  /** Service "host:port" as the chart names it, and the local "host:port" that stands for it */
  hosts: Record<string, string>;
  /** the image's own environment (Dockerfile ENV, PATH) */
  imageEnv: Record<string, string>;
  /** what the test must change, e.g. PORT (a free one instead of the container's own) */
  overrides?: Record<string, string>;
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find(x => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the rendered chart`);
  return o;
}

/** the decoded data of a Secret or ConfigMap */
function dataOf(o: K8sObject): Record<string, string> {
  if (o.kind === 'Secret') {
    const out: Record<string, string> = { ...(o.stringData ?? {}) };
    for (const [k, v] of Object.entries<string>(o.data ?? {})) {
      out[k] = Buffer.from(v, 'base64').toString('utf8');
    }
    return out;
  }
  return { ...(o.data ?? {}) };
}

/** writes one volume into dir, as the kubelet projects it; returns the directory */
function writeVolume(
  objects: K8sObject[],
  volume: K8sObject,
  dir: string,
): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let source: { obj: K8sObject; spec: K8sObject };
  if (volume.configMap) {
    source = {
      obj: find(objects, 'ConfigMap', volume.configMap.name),
      spec: volume.configMap,
    };
  } else if (volume.secret) {
    source = {
      obj: find(objects, 'Secret', volume.secret.secretName),
      spec: volume.secret,
    };
  } else if (volume.emptyDir) {
    return dir;
  } else {
    throw new Error(
      `volume ${volume.name}: only configMap, secret and emptyDir`,
    );
  }
  const data = dataOf(source.obj);
  const items: { key: string; path: string }[] =
    source.spec.items ?? Object.keys(data).map(key => ({ key, path: key }));
  for (const { key, path: file } of items) {
    if (!(key in data)) throw new Error(`volume ${volume.name}: no key ${key}`);
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.rmSync(target, { force: true });
    // the mode the pod gets, with the owner's read bit: the test runs as the files' owner
    fs.writeFileSync(target, data[key], {
      mode: (source.spec.defaultMode ?? 0o644) | 0o400,
    });
  }
  return dir;
}

/** $(VAR) references to earlier variables expanded, $$( kept as $( (kubelet semantics) */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) => {
    if (m === '$$') return '$';
    return name in env ? env[name] : m;
  });
}

export function localContainer(opts: LocalContainerOptions): LocalContainer {
  const { objects, podSpec, container } = opts;

  // mount path in the container -> local path
  const mounts: [string, string][] = Object.entries(opts.imagePaths);
  for (const mount of container.volumeMounts ?? []) {
    if (mount.subPath)
      throw new Error(`${mount.name}: subPath is not supported`);
    const volume = (podSpec.volumes ?? []).find(
      (v: K8sObject) => v.name === mount.name,
    );
    if (!volume) throw new Error(`no volume ${mount.name} in the pod`);
    const dir = writeVolume(
      objects,
      volume,
      path.join(opts.volumesDir, mount.name),
    );
    mounts.push([mount.mountPath, dir]);
  }
  // the longest mount path first: /run/secrets/x before /run
  mounts.sort((a, b) => b[0].length - a[0].length);
  const mapPath = (value: string): string => {
    for (const [inside, local] of mounts) {
      if (value === inside) return local;
      if (value.startsWith(`${inside}/`)) {
        return path.join(local, value.slice(inside.length + 1));
      }
    }
    return value;
  };
  const mapHosts = (value: string): string =>
    Object.entries(opts.hosts).reduce(
      (v, [chartHost, local]) => v.split(chartHost).join(local),
      value,
    );

  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    let value: string;
    if (e.value !== undefined) {
      value = expand(String(e.value), env);
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      value = dataOf(find(objects, 'Secret', ref.name))[ref.key];
    } else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      value = dataOf(find(objects, 'ConfigMap', ref.name))[ref.key];
    } else {
      throw new Error(`env ${e.name}: unsupported source`);
    }
    if (value === undefined) throw new Error(`env ${e.name}: no such key`);
    env[e.name] = value;
  }
  const mappedEnv = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, mapHosts(mapPath(v))]),
  );

  const cwd = mapPath(container.workingDir ?? '/');
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map(
    a => mapPath(expand(String(a), env)),
  );
  if (argv.length === 0) {
    throw new Error(`container ${container.name}: no command (image CMD)`);
  }
  if (argv[0].startsWith('./')) argv[0] = path.resolve(cwd, argv[0]);
  return {
    cwd,
    argv,
    env: { ...opts.imageEnv, ...mappedEnv, ...(opts.overrides ?? {}) },
  };
}
