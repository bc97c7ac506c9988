// `keel verify`: checks the audit log's hash chain end to end (invariant I5).
import { verifyAuditChain } from '../audit/audit-log.js';
import type { ChainAnchor } from '../audit/audit-chain.js';
import { createPool } from '../platform/postgres.js';
import { usageError, type CommandContext } from './command.js';

export const verify_usage = `keel verify [--batch-rows N] [--anchor SEQUENCE:HASH]

Reads the audit log at DATABASE_URL in sequence order, N rows at a time (default 1000), recomputes
every entry's hash and checks every link, and prints JSON:
  {"ok": true|false, "entries": N, "head": {"sequence": N, "hash": "…"},
   "first_problem": {"sequence": N, "problem": "…", "expected": "…", "found": "…"}}
first_problem (only when broken) is the first bad position: hash_mismatch (an edited row),
sequence_gap (a deleted row), sequence_repeated (a duplicated row), inserted_row, link_broken
(reordered or replaced rows), anchor_mismatch. Exit 0 when the chain verifies, 1 when it does not.

  --batch-rows N              rows read per query, 1..10000 (default 1000)
  --anchor SEQUENCE:HASH      a head recorded earlier: the chain must still hold that entry with that
                              hash (catches a truncated or wholly rewritten log, which a chain alone cannot)`;

const progress_interval_ms = 1_000;

export async function verifyCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({ 'batch-rows': { type: 'string' }, anchor: { type: 'string' } });
  const batch_rows = parseBatchRows(values['batch-rows']);
  const anchor = values.anchor === undefined ? undefined : parseAnchor(values.anchor);
  const pool = createPool(context.config.database.url, { max_connections: 1, application_name: 'keel-verify' });
  let last_progress_ms = Date.now();
  try {
    const client = await pool.connect();
    try {
      const report = await verifyAuditChain(client, {
        batch_rows,
        anchor,
        on_progress: ({ entries, sequence }) => {
          if (Date.now() - last_progress_ms < progress_interval_ms) return;
          last_progress_ms = Date.now();
          context.progress(`keel verify: ${entries} entries checked, at sequence ${sequence}`);
        },
      });
      context.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? 0 : 1;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

function parseBatchRows(text: string | undefined): number {
  if (text === undefined) return 1_000;
  const batch_rows = Number(text);
  if (!/^\d+$/.test(text) || batch_rows < 1 || batch_rows > 10_000)
    throw usageError(`--batch-rows must be a whole number in 1..10000, got '${text}'`, verify_usage);
  return batch_rows;
}

function parseAnchor(text: string): ChainAnchor {
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text);
  if (match === null || Number(match[1]) < 1)
    throw usageError(
      `--anchor must be SEQUENCE:HASH (a sequence ≥ 1 and 64 lowercase hex digits), got '${text}'`,
      verify_usage,
    );
  return { sequence: Number(match[1]), entry_hash: match[2]! };
}
