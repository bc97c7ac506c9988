// Start-up benchmark: how long `keel --help` and `keel lots` on an empty file take from process
// start to exit, and their peak resident memory, against the baseline of a Node.js process that
// runs nothing (`node -e ''`), measured in the same run. Runs the built CLI (dist/), so build first.
// Target (issue 14): each command under 0.3 s of wall time on a quiet machine.
//
//   npm run build && npm run bench:startup -- [--runs 9]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { secondsSince } from './measure.js';

export type StartupFigures = { name: string; median_seconds: number; peak_rss_mib: number; to_baseline_ratio: number };
export type StartupBenchResult = { runs: number; baseline: StartupFigures; commands: StartupFigures[] };

const cli_path = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const runs_max = 1_000;
/** A child runs at most this long: a start-up that hangs is a finding, not a benchmark that never ends. */
const child_timeout_ms = 60_000;

/**
 * Preloaded into every child, the baseline included: writes the child's own peak RSS (kB) to the
 * file named by KEEL_BENCH_RSS_FILE as it exits, since a parent cannot read a child's peak.
 */
const report_peak_rss = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.KEEL_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));",
)}`;

export function runStartupBench(runs: number, log: (line: string) => void = () => {}): StartupBenchResult {
  if (!Number.isInteger(runs) || runs < 1 || runs > runs_max)
    throw new RangeError(`runs must be 1..${runs_max}, got ${runs}`);
  const directory = mkdtempSync(join(tmpdir(), 'keel-startup-bench-'));
  try {
    const empty_file = join(directory, 'empty.jsonl');
    writeFileSync(empty_file, '');
    const measure = (name: string, args: string[]) => {
      log(`${name}: ${runs} runs`);
      return measureRuns(args, runs, join(directory, 'rss'));
    };
    const baseline = measure("node -e ''", ['-e', '']);
    const figures = (name: string, measured: { median_seconds: number; peak_rss_mib: number }): StartupFigures => ({
      name,
      ...measured,
      to_baseline_ratio: measured.median_seconds / baseline.median_seconds,
    });
    return {
      runs,
      baseline: figures("node -e '' (baseline)", baseline),
      commands: [
        figures('keel --help', measure('keel --help', [cli_path, '--help'])),
        figures('keel lots --input <empty file>', measure('keel lots', [cli_path, 'lots', '--input', empty_file])),
      ],
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function measureRuns(args: string[], runs: number, rss_file: string): { median_seconds: number; peak_rss_mib: number } {
  const seconds: number[] = [];
  let peak_rss_kb = 0;
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, ['--import', report_peak_rss, ...args], {
      env: { ...process.env, KEEL_BENCH_RSS_FILE: rss_file },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: child_timeout_ms,
    });
    seconds.push(secondsSince(started));
    if (child.status !== 0)
      throw new Error(`node ${args.join(' ')} exited with ${child.status ?? child.signal}: ${child.stderr.toString()}`);
    peak_rss_kb = Math.max(peak_rss_kb, Number(readFileSync(rss_file, 'utf8')));
  }
  return { median_seconds: median(seconds), peak_rss_mib: Math.round(peak_rss_kb / 1024) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function format(result: StartupBenchResult): string {
  const row = (figures: StartupFigures) =>
    `${figures.name.padEnd(34)} ${figures.median_seconds.toFixed(3).padStart(7)} s median ${String(figures.peak_rss_mib).padStart(5)} MiB peak RSS  ` +
    `${figures.to_baseline_ratio.toFixed(2)}× the baseline`;
  return [`${result.runs} runs each`, row(result.baseline), ...result.commands.map(row)].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
  const result = runStartupBench(Number(values.runs), (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${format(result)}\n`);
}
