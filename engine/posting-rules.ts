// Posting rules: one canonical event → one linked chain of balanced transfers (DESIGN.md §4).
// Pure: the same event and registry always give the same chain, ids included, in any process.
//
// Sign conventions (balance = debits − credits): cash, position, fees, margin and external
// accounts grow with debits; counterparty, PnL and income accounts grow with credits. A signed
// amount (funding, settlement, income, a fee rebate) flips the two sides of its leg when
// negative, so every leg's amount is positive.
import type { AssetRegistry } from '../ledger/asset-registry.js';
import {
  accountSpec,
  compareSpecs,
  eventIdHash,
  eventKey,
  legs_per_event_max,
  transferId,
  type AccountSpec,
  type AccountType,
} from '../ledger/chart-of-accounts.js';
import { newTransfer, TransferFlags, u128_max, type Transfer } from '../ledger/ledger-port.js';
import {
  decimalToUnits,
  formatDecimal,
  multiplyDecimals,
  parseAmount,
  parseDecimal,
  parseSignedAmount,
} from '../ledger/money.js';
import { assertInvariant, KeelError } from '../platform/errors.js';
import { engine_error_codes } from './engine-errors.js';
import { eventTimeMs, type EventOf, type KeelEvent } from './event-schema.js';

/** Transfer `code`: which kind of event a transfer came from. Stored in TigerBeetle: never renumber. */
export const event_type_codes = {
  trade: 1,
  funding: 2,
  settlement: 3,
  deposit: 4,
  withdrawal: 5,
  transfer: 6,
  margin: 7,
  income: 8,
} as const;

/** Transfer `user_data_32`: which part of the event a leg books. Stored: never renumber. */
export const leg_kinds = { quote: 1, base: 2, contract: 3, fee: 4, amount: 5 } as const;
export type LegKind = keyof typeof leg_kinds;

export type Leg = {
  readonly kind: LegKind;
  readonly debit: AccountSpec;
  readonly credit: AccountSpec;
  readonly amount: bigint;
  readonly ledger: number;
};

export type PostingChain = {
  readonly event_id: string;
  /** Names the event id: the hash part of every transfer id. */
  readonly event_id_hash: bigint;
  /** Names the event's content: every leg's user_data_128. */
  readonly event_key: bigint;
  readonly event_time_ms: number;
  /** 0 for events that move no money (decisions, risk checks, orders). */
  readonly code: number;
  readonly legs: readonly Leg[];
};

/** The chain for one event. Throws a coded error naming the field when an amount does not fit. */
export function postingChain(event: KeelEvent, registry: AssetRegistry): PostingChain {
  const legs = postingLegs(event, registry);
  const code = event.type in event_type_codes ? event_type_codes[event.type as keyof typeof event_type_codes] : 0;
  const chain = {
    event_id: event.id,
    event_id_hash: eventIdHash(event.id),
    event_key: eventKey(event),
    event_time_ms: eventTimeMs(event),
    code,
    legs,
  };
  assertChainBalanced(chain);
  return chain;
}

/** The chain's TigerBeetle transfers: every leg linked to the next, the last one closing the chain. */
export function chainTransfers(chain: PostingChain): Transfer[] {
  return chain.legs.map((leg, index) =>
    newTransfer({
      id: transferId(chain.event_time_ms, chain.event_id_hash, index),
      debit_account_id: leg.debit.id,
      credit_account_id: leg.credit.id,
      amount: leg.amount,
      ledger: leg.ledger,
      code: chain.code,
      user_data_128: chain.event_key,
      user_data_64: BigInt(chain.event_time_ms),
      user_data_32: leg_kinds[leg.kind],
      flags: index < chain.legs.length - 1 ? TransferFlags.linked : TransferFlags.none,
    }),
  );
}

/** Every account the chain touches, each once, in first-use order. */
export function chainAccounts(chain: PostingChain): AccountSpec[] {
  const accounts = new Map<bigint, AccountSpec>();
  for (const leg of chain.legs) {
    accounts.set(leg.debit.id, leg.debit);
    accounts.set(leg.credit.id, leg.credit);
  }
  return [...accounts.values()];
}

/** Every account the events post to, each once, in a stable order (venue, account, type, asset). */
export function accountSpecsOfEvents(events: Iterable<KeelEvent>, registry: AssetRegistry): AccountSpec[] {
  const specs = new Map<bigint, AccountSpec>();
  for (const event of events) {
    try {
      for (const spec of chainAccounts(postingChain(event, registry))) specs.set(spec.id, spec);
    } catch {
      // An event the ledger cannot post opens no account.
    }
  }
  return [...specs.values()].sort(compareSpecs);
}

/** Per ledger, Σ debits = Σ credits; every leg positive, within u128, between two accounts of its ledger. */
export function assertChainBalanced(chain: PostingChain): void {
  const broken = engine_error_codes.invariant_broken;
  const event = `event ${chain.event_id}`;
  assertInvariant(
    chain.legs.length <= legs_per_event_max,
    broken,
    `${event}: ${chain.legs.length} legs, over ${legs_per_event_max}`,
  );
  const net_by_ledger = new Map<number, bigint>();
  for (const leg of chain.legs) {
    assertInvariant(
      leg.amount > 0n && leg.amount <= u128_max,
      broken,
      `${event}: ${leg.kind} leg amount ${leg.amount} out of range`,
    );
    assertInvariant(leg.debit.id !== leg.credit.id, broken, `${event}: ${leg.kind} leg debits and credits one account`);
    assertInvariant(
      leg.debit.ledger === leg.ledger,
      broken,
      `${event}: ${leg.kind} leg is not on its debit account's ledger`,
    );
    // Booked per account ledger, so a leg whose credit account sits on another ledger unbalances both.
    net_by_ledger.set(leg.debit.ledger, (net_by_ledger.get(leg.debit.ledger) ?? 0n) + leg.amount);
    net_by_ledger.set(leg.credit.ledger, (net_by_ledger.get(leg.credit.ledger) ?? 0n) - leg.amount);
  }
  for (const [ledger, net] of net_by_ledger)
    assertInvariant(net === 0n, broken, `${event}: ledger ${ledger} is out of balance by ${net}`);
}

/** The legs of an event's chain without its ids and key: what a fold of balances needs (throws as `postingChain` does on an event the ledger cannot post). */
export function postingLegs(event: KeelEvent, registry: AssetRegistry): Leg[] {
  switch (event.type) {
    case 'trade':
      return event.instrument.kind === 'spot' ? spotTradeLegs(event, registry) : derivativeTradeLegs(event, registry);
    case 'funding':
      return signedLegs(event, registry, event.asset, event.amount, 'funding_pnl');
    case 'settlement':
      return signedLegs(event, registry, event.asset, event.amount, 'realised_pnl');
    case 'income':
      return signedLegs(event, registry, event.asset, event.amount, 'income');
    case 'deposit':
      return externalFlowLegs(event, registry, 'in');
    case 'withdrawal':
      return externalFlowLegs(event, registry, 'out');
    case 'transfer':
      return transferLegs(event, registry);
    case 'margin':
      return marginLegs(event, registry);
    case 'decision':
    case 'risk_check':
    case 'order':
      return [];
  }
}

type Owner = { venue: string; account: string };

function assetAccount(
  owner: Owner,
  type: AccountType,
  asset_code: string,
  registry: AssetRegistry,
  field: string,
): AccountSpec {
  const asset = registry.asset(asset_code, field);
  return accountSpec({ venue: owner.venue, account: owner.account, type, asset: asset.code }, asset);
}

/** A leg of `amount` (signed): positive debits `debit`, negative swaps the sides; zero is no leg. */
function signedLeg(kind: LegKind, debit: AccountSpec, credit: AccountSpec, amount: bigint): Leg[] {
  if (amount === 0n) return [];
  return amount > 0n
    ? [{ kind, debit, credit, amount, ledger: debit.ledger }]
    : [{ kind, debit: credit, credit: debit, amount: -amount, ledger: debit.ledger }];
}

function spotTradeLegs(event: EventOf<'trade'>, registry: AssetRegistry): Leg[] {
  const { base, quote } = event.instrument;
  const base_scale = registry.asset(base, 'instrument.base').scale;
  const quote_scale = registry.asset(quote, 'instrument.quote').scale;
  const quantity = parseAmount(event.quantity, base_scale, 'quantity');
  const cost =
    event.cost === undefined ? impliedCost(event, quote, quote_scale) : parseAmount(event.cost, quote_scale, 'cost');
  const cash_base = assetAccount(event, 'cash', base, registry, 'instrument.base');
  const venue_base = assetAccount(event, 'counterparty', base, registry, 'instrument.base');
  const cash_quote = assetAccount(event, 'cash', quote, registry, 'instrument.quote');
  const venue_quote = assetAccount(event, 'counterparty', quote, registry, 'instrument.quote');
  // A buy gives quote to the venue and receives base; a sell is the mirror image.
  const direction = event.side === 'buy' ? 1n : -1n;
  return [
    ...signedLeg('quote', venue_quote, cash_quote, direction * cost),
    ...signedLeg('base', cash_base, venue_base, direction * quantity),
    ...feeLegs(event, registry),
  ];
}

/** quantity × price, exactly; when that needs more decimals than the quote asset has, the venue's cost is required. */
function impliedCost(event: EventOf<'trade'>, quote: string, quote_scale: number): bigint {
  const product = multiplyDecimals(parseDecimal(event.quantity, 'quantity'), parseDecimal(event.price, 'price'));
  if (product.scale > quote_scale) {
    throw new KeelError(
      engine_error_codes.cost_too_precise,
      `cost: quantity × price = ${formatDecimal(product)} has ${product.scale} decimals, more than ${quote}'s scale of ${quote_scale}; give the venue's cost`,
      { field: 'cost' },
    );
  }
  return decimalToUnits(product, quote_scale, 'cost');
}

function derivativeTradeLegs(event: EventOf<'trade'>, registry: AssetRegistry): Leg[] {
  const contract = registry.instrument(event.instrument.symbol);
  const contracts = parseAmount(event.quantity, contract.scale, 'quantity');
  const position = accountSpec(
    { venue: event.venue, account: event.account, type: 'position', asset: contract.symbol },
    contract,
  );
  const venue_side = accountSpec(
    { venue: event.venue, account: event.account, type: 'counterparty', asset: contract.symbol },
    contract,
  );
  const direction = event.side === 'buy' ? 1n : -1n;
  return [...signedLeg('contract', position, venue_side, direction * contracts), ...feeLegs(event, registry)];
}

/** One leg per fee: paid fees move cash to the fees account; rebates (negative fees) move it back. */
function feeLegs(event: EventOf<'trade'>, registry: AssetRegistry): Leg[] {
  return event.fees.flatMap((fee, index) => {
    const field = `fees.${index}.asset`;
    const amount = parseSignedAmount(fee.amount, registry.asset(fee.asset, field).scale, `fees.${index}.amount`);
    const fees = assetAccount(event, 'fees', fee.asset, registry, field);
    const cash = assetAccount(event, 'cash', fee.asset, registry, field);
    return signedLeg('fee', fees, cash, amount);
  });
}

function signedLegs(
  event: EventOf<'funding' | 'settlement' | 'income'>,
  registry: AssetRegistry,
  asset: string,
  amount_text: string,
  other: AccountType,
): Leg[] {
  const amount = parseSignedAmount(amount_text, registry.asset(asset, 'asset').scale, 'amount');
  return signedLeg(
    'amount',
    assetAccount(event, 'cash', asset, registry, 'asset'),
    assetAccount(event, other, asset, registry, 'asset'),
    amount,
  );
}

function externalFlowLegs(
  event: EventOf<'deposit' | 'withdrawal'>,
  registry: AssetRegistry,
  direction: 'in' | 'out',
): Leg[] {
  const scale = registry.asset(event.asset, 'asset').scale;
  const amount = parseAmount(event.amount, scale, 'amount');
  const fee = event.fee === undefined ? 0n : parseAmount(event.fee, scale, 'fee');
  const cash = assetAccount(event, 'cash', event.asset, registry, 'asset');
  const external = assetAccount(event, 'external', event.asset, registry, 'asset');
  const fees = assetAccount(event, 'fees', event.asset, registry, 'asset');
  const principal =
    direction === 'in' ? signedLeg('amount', cash, external, amount) : signedLeg('amount', external, cash, amount);
  return [...principal, ...signedLeg('fee', fees, cash, fee)];
}

function transferLegs(event: EventOf<'transfer'>, registry: AssetRegistry): Leg[] {
  const amount = parseAmount(event.amount, registry.asset(event.asset, 'asset').scale, 'amount');
  const from = assetAccount(event, 'cash', event.asset, registry, 'asset');
  const to = assetAccount({ venue: event.to_venue, account: event.to_account }, 'cash', event.asset, registry, 'asset');
  return signedLeg('amount', to, from, amount);
}

function marginLegs(event: EventOf<'margin'>, registry: AssetRegistry): Leg[] {
  const amount = parseAmount(event.amount, registry.asset(event.asset, 'asset').scale, 'amount');
  const cash = assetAccount(event, 'cash', event.asset, registry, 'asset');
  const margin = assetAccount(event, 'margin', event.asset, registry, 'asset');
  return event.action === 'lock'
    ? signedLeg('amount', margin, cash, amount)
    : signedLeg('amount', cash, margin, amount);
}
