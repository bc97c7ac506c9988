// Opens the ledger the configuration names: the embedded ledger, kept durable by its journal
// under the data directory, or a TigerBeetle cluster.
import { join } from 'node:path';
import type { Config } from '../platform/config.js';
import { JournaledLedger } from './embedded-journal.js';
import type { Ledger } from './ledger-port.js';
import { TigerBeetleLedger } from './tigerbeetle-ledger.js';

export async function openLedger(config: Pick<Config, 'ledger' | 'data_dir' | 'tigerbeetle'>): Promise<Ledger> {
  if (config.ledger === 'embedded') return JournaledLedger.open(join(config.data_dir, 'ledger'));
  return TigerBeetleLedger.connect(config.tigerbeetle);
}
