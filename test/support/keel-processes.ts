// What the tests of real `keel` processes share: spawning one (its stderr log kept, killed at the
// test's end), waiting for a log line or its exit, and waiting until the audit store is sealed.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const main_path = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');

export type KeelProcess = {
  child: ChildProcess;
  log: () => string;
  logged: (text: string, timeout_ms?: number) => Promise<void>;
};

/** `keel <command>` from source with `env` added; `cleanup` gets the step that kills it. */
export function startKeel(command: string, env: Record<string, string>, cleanup: (() => Promise<void>)[]): KeelProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', main_path, command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  cleanup.push(async () => {
    child.kill('SIGKILL');
    await exited(child);
  });
  const logged = async (text: string, timeout_ms = 60_000) => {
    const deadline_ms = Date.now() + timeout_ms;
    while (!log.includes(text)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`keel ${command} exited before logging '${text}':\n${log.slice(-2000)}`);
      if (Date.now() > deadline_ms)
        throw new Error(`keel ${command} did not log '${text}' within ${timeout_ms} ms:\n${log.slice(-2000)}`);
      await sleep(50);
    }
  };
  return { child, log: () => log, logged };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export function sleep(duration_ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, duration_ms));
}

export { untilSealed } from './audit-progress.js';
