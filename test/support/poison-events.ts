// Poison events (issue 16, items 1, 2 and 8) as the text a producer would send: each once stopped a
// consumer or a command for good, or made one value two event keys. Shared by the tests that send
// them through the posting engine, the audit consumer and the file commands.
import { example_events } from './example-events.js';

export type PoisonEvent = { name: string; text: string; id: string; path: string };

const raw_depth = 5_000;

/** The poison lines, each with the id it carries and the field its rejection must name. */
export function poisonEvents(): PoisonEvent[] {
  const nested = `${'['.repeat(raw_depth)}${']'.repeat(raw_depth)}`;
  return [
    poison(
      'fee of 1e999',
      { ...example_events.trade, id: 'poison:fee-1e999', fees: [{ asset: 'USDT', amount: '1e999' }] },
      'fees.0.amount',
    ),
    poison('deposit of 1e999', { ...example_events.deposit, id: 'poison:deposit-1e999', amount: '1e999' }, 'amount'),
    poison('id with NUL', { ...example_events.deposit, id: 'poison:nul\u0000' }, 'id'),
    poison('id with a lone surrogate', { ...example_events.deposit, id: 'poison:surrogate\ud800' }, 'id'),
    {
      name: `raw nested ${raw_depth} deep`,
      // JSON.stringify itself overflows the stack on such a value: the text is written by hand.
      text: JSON.stringify({ ...example_events.deposit, id: 'poison:deep', raw: 0 }).replace(
        '"raw":0',
        `"raw":${nested}`,
      ),
      id: 'poison:deep',
      path: 'raw',
    },
    poison('amount +5', { ...example_events.deposit, id: 'poison:plus', amount: '+5' }, 'amount'),
    poison('amount 1e3', { ...example_events.withdrawal, id: 'poison:exponent', amount: '1e3' }, 'amount'),
  ];
}

function poison(name: string, event: Record<string, unknown> & { id: string }, path: string): PoisonEvent {
  return { name, text: JSON.stringify(event), id: event.id, path };
}
