/*
 * The figures a benchmark run measured, how they are measured, and the one table it
 * prints at the end. Figures only: nothing is asserted on them.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** One line of the table: a figure, what it is compared with, and its target. */
export interface Figure {
  what: string;
  measured: string;
  /** What the figure is measured against in the same run, if anything. */
  baseline?: string;
  /** measured / baseline, where both are times or sizes */
  ratio?: number;
  target: string;
  /** Whether the target is met; undefined when the figure has no target. */
  met?: boolean;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const millis = (ms: number) => `${ms.toFixed(1)} ms`;
export const megabytes = (bytes: number) =>
  `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** How long `work` takes, in milliseconds. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** The nearest-rank percentile `p` (0 to 100) of the samples. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(rank - 1, 0)];
}

/** The middle sample (the nearest-rank 50th percentile). */
export const median = (samples: number[]) => percentile(samples, 50);

/**
 * The process's memory right after a full garbage collection, so that what it holds is
 * what is alive, not what a collection has yet to free.
 */
export function liveMemory(): NodeJS.MemoryUsage {
  // jest runs tests in a context without `gc`; this exposes it without a node flag
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage();
}

function verdict(met: boolean | undefined) {
  if (met === undefined) return '';
  return met ? 'yes' : 'NO';
}

export function formatTable(figures: Figure[]): string {
  const header = ['figure', 'measured', 'baseline', 'ratio', 'target', 'met'];
  const rows = figures.map(f => [
    f.what,
    f.measured,
    f.baseline ?? '',
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    f.target,
    verdict(f.met),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    line(widths.map(w => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
