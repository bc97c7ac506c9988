// Pins every enum of ledger-port.ts against the installed tigerbeetle-node (0.17.9): the same names
// with the same values, both ways. ledger-port.ts declares the values itself so that the embedded
// ledger and the pure cores never load the native client; this test is what keeps them honest.
//
// Importing tigerbeetle-node loads its native binding at import time (dist/index.js requires
// `bin/<arch>-<os>/client.node` at module load); that is fine here, and the import is dynamic so the
// failure, if the binary is missing for this platform, reads as this test failing.

import { describe, expect, it } from 'vitest';
import {
  AccountFilterFlags,
  AccountFlags,
  CreateAccountStatus,
  CreateTransferStatus,
  QueryFilterFlags,
  TransferFlags,
  u128_max,
} from './ledger-port.js';

type NumericEnum = Record<string, string | number>;

/** The name → value pairs of a numeric TypeScript enum, without its reverse (value → name) entries. */
function enum_entries(numeric_enum: NumericEnum): [string, number][] {
  return Object.entries(numeric_enum)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .sort(([left], [right]) => left.localeCompare(right));
}

const tigerbeetle = await import('tigerbeetle-node');

const pairs: [string, NumericEnum, NumericEnum][] = [
  ['AccountFlags', AccountFlags, tigerbeetle.AccountFlags],
  ['TransferFlags', TransferFlags, tigerbeetle.TransferFlags],
  ['AccountFilterFlags', AccountFilterFlags, tigerbeetle.AccountFilterFlags],
  ['QueryFilterFlags', QueryFilterFlags, tigerbeetle.QueryFilterFlags],
  ['CreateAccountStatus', CreateAccountStatus, tigerbeetle.CreateAccountStatus],
  ['CreateTransferStatus', CreateTransferStatus, tigerbeetle.CreateTransferStatus],
];

describe('ledger-port enums match tigerbeetle-node', () => {
  it.each(pairs)('%s has the same names and values', (_name, port_enum, client_enum) => {
    const port = enum_entries(port_enum);
    const client = enum_entries(client_enum);
    expect(port.length).toBeGreaterThan(1);
    expect(port).toEqual(client);
  });

  it.each(pairs)('%s maps each value back to the same name', (_name, port_enum, client_enum) => {
    for (const [name, value] of enum_entries(client_enum)) {
      expect(port_enum[value], `${name} = ${value}`).toBe(client_enum[value]);
    }
  });

  it("u128_max is the client's amount_max sentinel", () => {
    expect(tigerbeetle.amount_max).toBe(u128_max);
  });
});
