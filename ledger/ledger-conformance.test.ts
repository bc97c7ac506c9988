// Runs the ledger conformance suite against the embedded ledger always, and against a real
// TigerBeetle when TB_ADDRESS is set. The TigerBeetle adapter is imported dynamically so that the
// embedded run never loads the native client.

import { EmbeddedLedger } from './embedded-ledger.js';
import { describeLedgerConformance } from './conformance/ledger-conformance.js';

describeLedgerConformance('embedded', async () => new EmbeddedLedger());

const tigerbeetle_address = process.env.TB_ADDRESS;
if (tigerbeetle_address !== undefined && tigerbeetle_address !== '') {
  describeLedgerConformance(`tigerbeetle at ${tigerbeetle_address}`, async () => {
    const { TigerBeetleLedger } = await import('./tigerbeetle-ledger.js');
    return TigerBeetleLedger.connect({
      cluster_id: 0n,
      replica_addresses: [tigerbeetle_address],
      request_timeout_ms: 10_000,
    });
  });
} else {
  // Deliberately no skipped TigerBeetle tests: a skip reads too much like a pass.
  console.warn(
    'TigerBeetle adapter NOT tested: set TB_ADDRESS=host:port to run the ledger conformance suite against a real TigerBeetle',
  );
}
