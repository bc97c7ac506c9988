// Opens the ledger the configuration names: the embedded ledger, kept durable by its journal
// under the data directory, or a TigerBeetle cluster; and the asset registry it posts with.
import { join } from 'node:path';
import type { Config } from '../platform/config.js';
import { KeelError } from '../platform/errors.js';
import { readSmallTextFile } from '../platform/line-file.js';
import { AssetRegistry } from './asset-registry.js';
import { JournaledLedger } from './embedded-journal.js';
import { ledger_error_codes } from './ledger-errors.js';
import type { Ledger } from './ledger-port.js';
import { TigerBeetleLedger } from './tigerbeetle-ledger.js';

export async function openLedger(config: Pick<Config, 'ledger' | 'data_dir' | 'tigerbeetle'>): Promise<Ledger> {
  if (config.ledger === 'embedded') return JournaledLedger.open(join(config.data_dir, 'ledger'));
  return TigerBeetleLedger.connect(config.tigerbeetle);
}

/** The built-in assets, with the overrides of KEEL_ASSETS_FILE when the configuration names one. */
export function loadRegistry(config: Pick<Config, 'assets_file'>): AssetRegistry {
  if (config.assets_file === undefined) return new AssetRegistry();
  const text = readSmallTextFile(config.assets_file);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new KeelError(
      ledger_error_codes.asset_registry_invalid,
      `KEEL_ASSETS_FILE ${config.assets_file} is not valid JSON: ${(error as Error).message}`,
      { field: 'KEEL_ASSETS_FILE' },
    );
  }
  return AssetRegistry.withOverrides(document, config.assets_file);
}
