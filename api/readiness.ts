// Readiness: the ledger, Kafka and PostgreSQL each answer a cheap request within a bound. A check
// that does not answer in time counts as failed (its request is left to finish or fail on its own).
import type { Admin } from 'kafkajs';
import type { Ledger } from '../ledger/ledger-port.js';
import type { Pool } from '../platform/postgres.js';

export type ReadinessCheck = { name: string; check: () => Promise<void> };
export type CheckResult = { ok: boolean; latency_ms: number; error?: string };

/** The ledger answers a lookup (of an id no account has: the answer's content does not matter). */
export function ledgerReadiness(ledger: Ledger): ReadinessCheck {
  return { name: 'ledger', check: async () => void (await ledger.lookupAccounts([1n])) };
}

export function postgresReadiness(pool: Pool): ReadinessCheck {
  return { name: 'postgres', check: async () => void (await pool.query('select 1')) };
}

/** Kafka answers a metadata request for the cluster (the admin connects on first use). */
export function kafkaReadiness(admin: Admin): ReadinessCheck {
  let connected: Promise<void> | null = null;
  return {
    name: 'kafka',
    check: async () => {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await connected;
      await admin.describeCluster();
    },
  };
}

export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeout_ms: number,
): Promise<Record<string, CheckResult>> {
  const results = await Promise.all(
    checks.map(async (item) => {
      const started_ms = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeout_ms} ms`)), timeout_ms);
      });
      try {
        await Promise.race([item.check(), timeout]);
        return [item.name, { ok: true, latency_ms: Math.round(performance.now() - started_ms) }] as const;
      } catch (error) {
        return [
          item.name,
          {
            ok: false,
            latency_ms: Math.round(performance.now() - started_ms),
            error: (error as Error).message ?? String(error),
          },
        ] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(results);
}
