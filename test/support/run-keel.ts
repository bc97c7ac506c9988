// Runs the real `keel` entry point in its own process, as a user would, and returns how it ended
// instead of throwing on a non-zero exit, so tests can assert on the code and both streams.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const main_path = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');

export type KeelRun = { code: number; stdout: string; stderr: string };

/** `env` is laid over this process's environment; a variable given as undefined is removed. */
export async function runKeel(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<KeelRun> {
  const merged = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', main_path, ...args], { env: merged });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
