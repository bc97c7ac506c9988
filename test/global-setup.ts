// Makes `npm test` self-sufficient: when the services the integration tests need are not given
// (KAFKA_BROKERS, DATABASE_URL), they are started with the project's own scripts for this run and
// stopped after it. When they are given (CI starts them first), nothing is started or stopped.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

export default function setup(): (() => void) | undefined {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) return undefined;
  // Servers someone else started (another shell, a session) are used, and left running.
  const already_running = servicesRunning();
  console.info('starting Kafka and PostgreSQL for the integration tests (bash scripts/services.sh start)…');
  try {
    execFileSync('bash', [join(root, 'scripts', 'services.sh'), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (error) {
    // The unit tests can still run; every integration test will fail, saying the service is missing.
    console.warn(`could not start the services: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
  for (const line of readFileSync(join(root, '.cache', 'services.env'), 'utf8').split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    if (match) process.env[match[1]!] = match[2]!;
  }
  if (already_running) return undefined;
  return () => {
    execFileSync('bash', [join(root, 'scripts', 'services.sh'), 'stop'], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
}

function servicesRunning(): boolean {
  try {
    execFileSync('bash', [join(root, 'scripts', 'services.sh'), 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
