/*
 * The harnesses start the portal, the backend or the production bundle as a process group of
 * their own (yarn, backstage-cli, node, helm), so that ending it ends everything it started,
 * as a crash or a pod's termination would.
 */
import fs from 'node:fs';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

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
  await signalGroup(pid, 'SIGTERM', 15_000);
  await signalGroup(pid, 'SIGKILL', 15_000);
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
