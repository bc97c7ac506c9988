// The asset registry: which TigerBeetle ledger and which scale each asset and each derivative
// contract uses. A ledger id and a scale, once used, are part of every stored balance: changing
// either for an asset that has postings would reinterpret history, so ids are assigned explicitly
// for assets and derived from a stable hash for instruments, never from the order of appearance.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ledgerError, ledger_error_codes } from './ledger-errors.js';
import { asset_scale_max } from './money.js';

export type AssetSpec = { readonly code: string; readonly ledger: number; readonly scale: number };
export type InstrumentSpec = { readonly symbol: string; readonly ledger: number; readonly scale: number };

/**
 * Asset ledgers live below this bound; instrument (contract) ledgers above it, so the two can
 * never collide whatever is configured.
 */
export const asset_ledger_max = 0x7fff_ffff;
const instrument_ledger_min = 0x8000_0000;

/** Contracts are counted at this scale unless an instrument says otherwise (1e-8 of a contract). */
export const default_contract_scale = 8;

// Scales are chosen to hold every amount the supported venues report for the asset: fees are
// computed below the chain's unit (Bybit reports BTC fees of 0.000000336), so the assets traded
// most (BTC, the dollar stablecoins) get 12 decimals; ETH and ERC-20 style tokens keep the chain's
// 18; other coins 8 unless their chain has more.
export const default_assets: readonly AssetSpec[] = [
  { code: 'USD', ledger: 1, scale: 8 },
  { code: 'EUR', ledger: 2, scale: 8 },
  { code: 'USDT', ledger: 3, scale: 12 },
  { code: 'USDC', ledger: 4, scale: 12 },
  { code: 'BTC', ledger: 5, scale: 12 },
  { code: 'ETH', ledger: 6, scale: 18 },
  { code: 'BNB', ledger: 7, scale: 8 },
  { code: 'SOL', ledger: 8, scale: 9 },
  { code: 'XRP', ledger: 9, scale: 6 },
  { code: 'DOGE', ledger: 10, scale: 8 },
  { code: 'ADA', ledger: 11, scale: 6 },
  { code: 'LTC', ledger: 12, scale: 8 },
  { code: 'DOT', ledger: 13, scale: 10 },
  { code: 'AVAX', ledger: 14, scale: 18 },
  { code: 'LINK', ledger: 15, scale: 18 },
  { code: 'TRX', ledger: 16, scale: 6 },
  { code: 'OKB', ledger: 17, scale: 8 },
  { code: 'BUSD', ledger: 18, scale: 8 },
  { code: 'FDUSD', ledger: 19, scale: 8 },
  { code: 'DAI', ledger: 20, scale: 18 },
  { code: 'GBP', ledger: 21, scale: 8 },
  { code: 'MNT', ledger: 22, scale: 8 },
  { code: 'ARB', ledger: 23, scale: 18 },
  { code: 'OP', ledger: 24, scale: 18 },
  { code: 'MATIC', ledger: 25, scale: 18 },
  { code: 'POL', ledger: 26, scale: 18 },
  { code: 'USDE', ledger: 27, scale: 18 },
  { code: 'KCS', ledger: 28, scale: 8 },
  { code: 'GT', ledger: 29, scale: 8 },
];

const asset_code_schema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'asset code of 1 to 32 letters, digits, . _ -');
const scale_schema = z.number().int().min(0).max(asset_scale_max);

export const registry_file_schema = z.strictObject({
  assets: z
    .array(
      z.strictObject({
        code: asset_code_schema,
        ledger: z.number().int().min(1).max(asset_ledger_max),
        scale: scale_schema,
      }),
    )
    .max(100_000)
    .default([]),
  instruments: z
    .array(z.strictObject({ symbol: z.string().min(1).max(64), scale: scale_schema }))
    .max(100_000)
    .default([]),
});

export class AssetRegistry {
  private readonly assets_by_code = new Map<string, AssetSpec>();
  private readonly codes_by_ledger = new Map<number, string>();
  private readonly instrument_scales = new Map<string, number>();
  private readonly instruments_by_symbol = new Map<string, InstrumentSpec>();
  private readonly symbols_by_ledger = new Map<number, string>();

  constructor(
    assets: readonly AssetSpec[] = default_assets,
    instruments: readonly { symbol: string; scale: number }[] = [],
  ) {
    for (const asset of assets) this.addAsset(asset);
    for (const instrument of instruments) this.instrument_scales.set(instrument.symbol, instrument.scale);
  }

  /**
   * The default registry, extended (or overridden, asset by asset) by a registry document, e.g.
   * the parsed JSON of KEEL_ASSETS_FILE. `source` names the document in errors.
   */
  static withOverrides(document: unknown, source: string): AssetRegistry {
    const parsed = registry_file_schema.safeParse(document);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw ledgerError(ledger_error_codes.asset_registry_invalid, `asset registry ${source}: ${problems.join('; ')}`);
    }
    const overridden = new Set(parsed.data.assets.map((asset) => asset.code));
    const assets = [...default_assets.filter((asset) => !overridden.has(asset.code)), ...parsed.data.assets];
    return new AssetRegistry(assets, parsed.data.instruments);
  }

  asset(code: string, field = 'asset'): AssetSpec {
    const spec = this.assets_by_code.get(code);
    if (spec === undefined) {
      const hint = this.assets_by_code.has(code.toUpperCase()) ? ` (did you mean ${code.toUpperCase()}?)` : '';
      throw ledgerError(
        ledger_error_codes.asset_unknown,
        `${field}: unknown asset '${code}'${hint}: add it with its ledger id and scale to the asset registry (KEEL_ASSETS_FILE)`,
        { field },
      );
    }
    return spec;
  }

  /** Contract ledger for a derivative instrument: derived from the symbol, stable everywhere. */
  instrument(symbol: string): InstrumentSpec {
    const known = this.instruments_by_symbol.get(symbol);
    if (known !== undefined) return known;
    const ledger = instrumentLedger(symbol);
    const holder = this.symbols_by_ledger.get(ledger);
    if (holder !== undefined && holder !== symbol) {
      throw ledgerError(
        ledger_error_codes.instrument_ledger_collision,
        `instrument '${symbol}' hashes to ledger ${ledger}, already used by '${holder}'`,
      );
    }
    const spec = { symbol, ledger, scale: this.instrument_scales.get(symbol) ?? default_contract_scale };
    this.instruments_by_symbol.set(symbol, spec);
    this.symbols_by_ledger.set(ledger, symbol);
    return spec;
  }

  allAssets(): AssetSpec[] {
    return [...this.assets_by_code.values()];
  }

  private addAsset(asset: AssetSpec): void {
    const parsed_code = asset_code_schema.safeParse(asset.code);
    const valid_ledger = Number.isInteger(asset.ledger) && asset.ledger >= 1 && asset.ledger <= asset_ledger_max;
    if (!parsed_code.success || !valid_ledger || !scale_schema.safeParse(asset.scale).success) {
      throw ledgerError(
        ledger_error_codes.asset_registry_invalid,
        `asset ${JSON.stringify(asset)} is not a valid registry entry`,
      );
    }
    const holder = this.codes_by_ledger.get(asset.ledger);
    if (holder !== undefined && holder !== asset.code) {
      throw ledgerError(
        ledger_error_codes.asset_registry_invalid,
        `ledger ${asset.ledger} is assigned to both ${holder} and ${asset.code}`,
      );
    }
    this.assets_by_code.set(asset.code, asset);
    this.codes_by_ledger.set(asset.ledger, asset.code);
  }
}

/** 2^31 + the first 31 bits of SHA-256(symbol): above every asset ledger, never zero. */
export function instrumentLedger(symbol: string): number {
  const digest = createHash('sha256').update(`keel.instrument.v1|${symbol}`).digest();
  return instrument_ledger_min + (digest.readUInt32BE(0) & 0x7fff_ffff);
}
