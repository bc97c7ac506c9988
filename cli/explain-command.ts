// `keel explain --input FILE.jsonl [--trade ID] [--format text|json]`: trade records and their
// plain-language explanations from a file of events, with no server.
import { tradeRecordsOf } from '../audit/lot-facts.js';
import { explainTrade } from '../audit/explanation.js';
import { lot_methods, lot_pools, type LotMethod, type LotPool } from '../audit/lots/lot-settings.js';
import { readPriceFile } from '../audit/price-file.js';
import { loadRegistry } from '../ledger/open-ledger.js';
import { readEvents } from '../engine/event-file.js';
import { printable } from './terminal-text.js';
import { usageError, type CommandContext } from './command.js';

export const explain_usage = `keel explain --input FILE.jsonl [--trade ID] [--format text|json] [--method fifo|lifo|hifo] [--pool account|global] [--prices FILE.jsonl]

Builds the trade record of every trade in the file (an order's fills at one venue account: the
decision behind it, the risk checks, the order lifecycle, the fills and fees, the ledger transfers,
the lots opened or closed, the balances before and after) and explains each in plain language.

  --trade ID       only this trade (ids look like binance:spot-main:order:8812001)
  --format NAME    text (default: the explanations) or json (records with their explanations)
  --method, --pool, --prices   as for keel lots`;

export async function explainCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({
    input: { type: 'string' },
    trade: { type: 'string' },
    format: { type: 'string', default: 'text' },
    method: { type: 'string', default: 'fifo' },
    pool: { type: 'string', default: 'account' },
    prices: { type: 'string' },
  });
  if (values.input === undefined) throw usageError('--input FILE.jsonl is required', explain_usage);
  if (values.format !== 'text' && values.format !== 'json')
    throw usageError(`--format must be text or json, got '${values.format}'`, explain_usage);
  if (!lot_methods.includes(values.method as LotMethod))
    throw usageError(`--method must be fifo, lifo or hifo, got '${values.method}'`, explain_usage);
  if (!lot_pools.includes(values.pool as LotPool))
    throw usageError(`--pool must be account or global, got '${values.pool}'`, explain_usage);
  const { events, rejections } = await readEvents(values.input);
  if (rejections.length > 0)
    context.progress(`keel explain: ${rejections.length} bad lines skipped (keel post --input lists them)`);
  const prices = values.prices === undefined ? [] : await readPriceFile(values.prices);
  const records = tradeRecordsOf(
    events,
    loadRegistry(context.config),
    { method: values.method as LotMethod, pool: values.pool as LotPool },
    prices,
  );
  const chosen = values.trade === undefined ? records : records.filter((record) => record.trade_id === values.trade);
  if (values.trade !== undefined && chosen.length === 0) {
    const known = records.slice(0, 5).map((record) => printable(record.trade_id));
    throw usageError(
      `no trade '${printable(values.trade)}' in ${values.input}; it has ${records.length}: ${known.join(', ')}${records.length > 5 ? ', …' : ''}`,
      explain_usage,
    );
  }
  if (values.format === 'json') {
    context.stdout(
      `${JSON.stringify(
        chosen.map((record) => ({ record, explanation: explainTrade(record) })),
        null,
        2,
      )}\n`,
    );
  } else {
    // Event text (a rationale, an id) may hold terminal escape sequences: printed escaped.
    context.stdout(
      `${chosen.map((record) => printable(explainTrade(record), { keep_newlines: true })).join('\n\n')}\n`,
    );
  }
  return 0;
}
