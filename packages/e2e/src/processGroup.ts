/*
 * Programs a test starts as a process group of its own (the portal, the backend, the
 * production bundle, helm; a chart's programs run natively), so that ending the group ends
 * everything it started, as a crash or a pod's termination would.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Leaders of the groups startGroup started that may still be running. */
const started = new Set<number>();
let killStartedOnExit = false;

/** Whether any process of the group led by `pid` is still there. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to the group at once, for exit handlers; a group that is gone is fine. */
export function killGroupNow(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Sends `signal` to the group and waits until it is gone or `waitMs` have passed. */
export async function signalGroup(
  pid: number | undefined,
  signal: NodeJS.Signals,
  waitMs: number,
): Promise<void> {
  if (!pid || !groupAlive(pid)) return;
  try {
    process.kill(-pid, signal);
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + waitMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
}

/** TERM, then KILL after 15 s: the way a pod is stopped. */
export async function endGroup(pid: number | undefined): Promise<void> {
  if (!pid) return;
  await signalGroup(pid, 'SIGTERM', 15_000);
  await signalGroup(pid, 'SIGKILL', 15_000);
  started.delete(pid);
}

/** Ends every group startGroup started that is still running. */
export async function endAllGroups(): Promise<void> {
  await Promise.all([...started].map(pid => endGroup(pid)));
}

/** A group startGroup started. */
export interface StartedGroup {
  pid: number;
  /** resolves with the exit code (null when ended by a signal) */
  exited: Promise<number | null>;
}

/**
 * Starts `file` as the leader of a new process group, stdin closed, stdout and stderr appended
 * to `logPath`. A test run that dies (jest's forced exit, a crash) still takes the group with it.
 */
export function startGroup(
  file: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; logPath: string },
): StartedGroup {
  if (!killStartedOnExit) {
    process.once('exit', () => {
      for (const pid of started) killGroupNow(pid);
    });
    killStartedOnExit = true;
  }
  const log = fs.openSync(opts.logPath, 'a');
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  if (!child.pid) throw new Error(`could not start ${file}`);
  const pid = child.pid;
  started.add(pid);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', code => resolve(code));
  });
  return { pid, exited };
}

/** How a group runGroup ran ended. */
export interface FinishedGroup {
  code: number | null;
  ms: number;
}

/**
 * Runs `file` as a process group to its end (or until `timeoutMs`, when the whole group is
 * killed), output appended to `logPath`; resolves with its exit code and how long it took.
 */
export async function runGroup(
  file: string,
  args: string[],
  opts: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    logPath: string;
    timeoutMs: number;
  },
): Promise<FinishedGroup> {
  const t0 = Date.now();
  const { pid, exited } = startGroup(file, args, opts);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(resolve => {
    timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
  });
  try {
    const code = await Promise.race([exited, timedOut]);
    if (code === 'timeout') {
      await endGroup(pid);
      fs.appendFileSync(
        opts.logPath,
        `\n[killed after ${opts.timeoutMs / 1000} s]\n`,
      );
      return { code: null, ms: Date.now() - t0 };
    }
    // children the program left behind go with it
    await endGroup(pid);
    return { code, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/** The resident memory of every process of the group led by `pid`, in bytes (Linux /proc). */
export function groupRssBytes(pid: number): number | undefined {
  let total = 0;
  let found = false;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== pid) continue;
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (kb) {
        total += Number(kb[1]) * 1024;
        found = true;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return found ? total : undefined;
}

/** The last lines of a log file, for error messages. */
export function tailLog(logPath: string, lines: number): string {
  try {
    return fs
      .readFileSync(logPath, 'utf8')
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no output)';
  }
}
