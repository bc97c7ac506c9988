// Opens the ledger the configuration names: the embedded ledger, kept durable by its journal
// under the data directory, or a TigerBeetle cluster; and the asset registry it posts with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../platform/config.js';
import { AssetRegistry } from './asset-registry.js';
import { JournaledLedger } from './embedded-journal.js';
import type { Ledger } from './ledger-port.js';
import { TigerBeetleLedger } from './tigerbeetle-ledger.js';

export async function openLedger(config: Pick<Config, 'ledger' | 'data_dir' | 'tigerbeetle'>): Promise<Ledger> {
  if (config.ledger === 'embedded') return JournaledLedger.open(join(config.data_dir, 'ledger'));
  return TigerBeetleLedger.connect(config.tigerbeetle);
}

/** The built-in assets, with the overrides of KEEL_ASSETS_FILE when the configuration names one. */
export function loadRegistry(config: Pick<Config, 'assets_file'>): AssetRegistry {
  if (config.assets_file === undefined) return new AssetRegistry();
  return AssetRegistry.withOverrides(JSON.parse(readFileSync(config.assets_file, 'utf8')), config.assets_file);
}
