// The ccxt structures the connectors read, as they arrive with `exchange.number = String`: amounts
// are decimal strings, `info` is the venue's raw payload. They are typed loosely on purpose: a venue
// record is untrusted input, checked field by field by the normalisers, never cast and believed.

export type RawRecord = Record<string, unknown>;

export type CcxtFee = { cost?: unknown; currency?: unknown; rate?: unknown };

export type CcxtTrade = {
  info: RawRecord;
  id?: unknown;
  order?: unknown;
  timestamp?: unknown;
  symbol?: unknown;
  side?: unknown;
  takerOrMaker?: unknown;
  price?: unknown;
  amount?: unknown;
  cost?: unknown;
  fee?: CcxtFee;
  fees?: CcxtFee[];
};

export type CcxtFunding = {
  info: RawRecord;
  id?: unknown;
  symbol?: unknown;
  code?: unknown;
  timestamp?: unknown;
  amount?: unknown;
};

export type CcxtLedgerEntry = {
  info: RawRecord;
  id?: unknown;
  timestamp?: unknown;
  direction?: unknown;
  type?: unknown;
  currency?: unknown;
  amount?: unknown;
  referenceId?: unknown;
  status?: unknown;
  fee?: CcxtFee;
};

export type CcxtTransaction = {
  info: RawRecord;
  id?: unknown;
  txid?: unknown;
  timestamp?: unknown;
  type?: unknown;
  amount?: unknown;
  currency?: unknown;
  status?: unknown;
  fee?: CcxtFee;
  internal?: unknown;
};

export type CcxtTransfer = {
  info: RawRecord;
  id?: unknown;
  timestamp?: unknown;
  currency?: unknown;
  amount?: unknown;
  fromAccount?: unknown;
  toAccount?: unknown;
  status?: unknown;
};

/** What the normalisers need of a ccxt market. */
export type MarketInfo = {
  id: string;
  symbol: string;
  base: string;
  quote: string;
  settle: string | undefined;
  type: 'spot' | 'swap' | 'future' | 'option' | 'other';
  contract_size: string | undefined;
  inverse: boolean;
};

export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function record(value: unknown): RawRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RawRecord) : {};
}
