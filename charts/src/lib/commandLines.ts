/*
 * Finds secrets on the command lines a pod spec makes the kubelet run. A process's argv is
 * readable by every process on the node (/proc/<pid>/cmdline, `ps`), so a password must reach
 * a program through its environment or a file, never through its arguments.
 */
import { K8sObject } from './helm';
import { containersOf } from './podSecurity';

/** one argv the kubelet runs for a container: its command and args, exec probes, hooks */
export interface CommandLine {
  where: string;
  argv: string[];
  /** env vars of the container that carry a secret */
  secretEnv: Set<string>;
}

/**
 * Names of a container's environment variables that hold a secret: those taken from a Secret,
 * and those whose value embeds one of them as $(NAME) (e.g. a database URL).
 */
export function secretEnvNames(c: K8sObject): Set<string> {
  const names = new Set<string>(
    (c.env ?? [])
      .filter((e: K8sObject) => e.valueFrom?.secretKeyRef)
      .map((e: K8sObject) => e.name),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const e of c.env ?? []) {
      if (names.has(e.name) || typeof e.value !== 'string') continue;
      const refs = [...e.value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)];
      if (refs.some(m => names.has(m[1]))) {
        names.add(e.name);
        grew = true;
      }
    }
  }
  return names;
}

export function commandLines(spec: K8sObject): CommandLine[] {
  const out: CommandLine[] = [];
  for (const { kind, c } of containersOf(spec)) {
    const secretEnv = secretEnvNames(c);
    const at = `${kind} container ${c.name}`;
    const main = [...(c.command ?? []), ...(c.args ?? [])];
    if (main.length)
      out.push({ where: `${at} command`, argv: main, secretEnv });
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const argv = c[p]?.exec?.command;
      if (argv) out.push({ where: `${at} ${p}`, argv, secretEnv });
    }
    for (const h of ['postStart', 'preStop']) {
      const argv = c.lifecycle?.[h]?.exec?.command;
      if (argv) out.push({ where: `${at} ${h} hook`, argv, secretEnv });
    }
  }
  return out;
}

/**
 * What puts a secret on a command line: a known secret value, a $(NAME) reference to a secret
 * variable (the kubelet expands it into the argv), or an inline shell script that expands a
 * secret variable anywhere but in an environment assignment (`MYSQL_PWD="$PASSWORD" cmd` keeps
 * it in the environment of cmd; `cmd -p"$PASSWORD"` puts it in cmd's argv).
 */
export function commandLineLeaks(
  spec: K8sObject,
  secretValues: Iterable<string> = [],
): string[] {
  const values = [...secretValues].filter(v => v.length >= 8);
  const leaks: string[] = [];
  for (const { where, argv, secretEnv } of commandLines(spec)) {
    for (const arg of argv) {
      if (values.some(v => arg.includes(v))) {
        leaks.push(`${where}: a generated secret value`);
      }
      for (const m of arg.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (secretEnv.has(m[1]) || /PASSWORD|SECRET|TOKEN/i.test(m[1])) {
          leaks.push(`${where}: $(${m[1]}) is expanded into the argv`);
        }
      }
      const shellRef =
        /(^|[^A-Za-z0-9_])(([A-Za-z_][A-Za-z0-9_]*)="?)?\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;
      for (const m of arg.matchAll(shellRef)) {
        const [, , assignment, , name] = m;
        if (!assignment && secretEnv.has(name)) {
          leaks.push(`${where}: the shell expands $${name} into an argument`);
        }
      }
    }
  }
  return leaks;
}
