// A private PostgreSQL server or Kafka broker for outage tests, started by the project's scripts
// on free ports with their state in a temp dir: stopping or restarting it disturbs no other test
// (the shared servers stay up). Each is stopped and its data deleted by the cleanup step it returns.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const scripts = join(import.meta.dirname, '..', '..', 'scripts');
const script_timeout_ms = 180_000;

export type PrivateServer = {
  /** DATABASE_URL or KAFKA_BROKERS of the private server. */
  address: string;
  /** Runs one of the script's commands on this server (pause, resume, restart kill, …). */
  command: (...args: string[]) => Promise<void>;
  stop: () => Promise<void>;
};

/** A port the system has just handed out and released: free unless something takes it in between. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startPrivate(
  script: string,
  env: Record<string, string>,
  address_pattern: RegExp,
  run_dir: string,
): Promise<PrivateServer> {
  const command = async (...args: string[]) => {
    await run('bash', [join(scripts, script), ...args], {
      env: { ...process.env, ...env },
      timeout: script_timeout_ms,
    });
  };
  const { stdout } = await run('bash', [join(scripts, script), 'start'], {
    env: { ...process.env, ...env },
    timeout: script_timeout_ms,
  });
  const address = address_pattern.exec(stdout)?.[1];
  if (address === undefined) throw new Error(`${script} start printed no address: ${stdout}`);
  return {
    address,
    command,
    stop: async () => {
      await command('stop');
      rmSync(run_dir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL cluster of its own (scripts/postgres.sh with PGPORT and KEEL_PG_RUN_DIR). */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const run_dir = mkdtempSync(join(tmpdir(), 'keel-private-pg-'));
  return startPrivate(
    'postgres.sh',
    { PGPORT: String(await freePort()), KEEL_PG_RUN_DIR: run_dir },
    /^DATABASE_URL=(\S+)$/m,
    run_dir,
  );
}

/**
 * A Kafka broker of its own (scripts/kafka.sh with its ports and KEEL_KAFKA_RUN_DIR). The jars are
 * read from KEEL_KAFKA_CACHE when set (a worktree without its own .cache), else from this checkout's.
 */
export async function startPrivateKafka(): Promise<PrivateServer> {
  const run_dir = mkdtempSync(join(tmpdir(), 'keel-private-kafka-'));
  const env = {
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KEEL_KAFKA_RUN_DIR: run_dir,
    KAFKA_HEAP: '384m',
  };
  return startPrivate('kafka.sh', env, /^KAFKA_BROKERS=(\S+)$/m, run_dir);
}
