// Durability for the embedded ledger: an append-only journal of every create request, with the
// clock reading the request was given. The embedded ledger is a deterministic state machine (as
// TigerBeetle is), so replaying the same requests with the same clock readings rebuilds exactly the
// same state: balances, timestamps, history and burnt ids. Reads are not journaled: they change
// nothing.
//
// File layout: the 8-byte magic `KEELJNL1`, then records of
//   [u32 payload length][u32 CRC-32 of payload][payload]
//   payload = [u8 operation][7 zero bytes][u64 clock ns][count × 128-byte TigerBeetle-layout objects]
// A record cut short by a crash is dropped on the next open (its request was never answered); a
// damaged record followed by others is corruption and stops the open.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { EmbeddedLedger } from './embedded-ledger.js';
import { ledgerError, ledger_error_codes } from './ledger-errors.js';
import type {
  Account,
  AccountBalance,
  AccountFilter,
  CreateAccountResult,
  CreateTransferResult,
  Ledger,
  QueryFilter,
  Transfer,
} from './ledger-port.js';

const magic = Buffer.from('KEELJNL1', 'ascii');
const header_size = 8;
const payload_prefix_size = 16;
const object_size = 128;
const record_payload_max = payload_prefix_size + 8189 * object_size;
const read_chunk_size = 16 * 1024 * 1024;

const operations = { create_accounts: 1, create_transfers: 2 } as const;

export class JournaledLedger implements Ledger {
  readonly name = 'embedded';
  private clock_reading_ns = 0n;
  private journal_size = 0;
  private readonly inner: EmbeddedLedger;

  private constructor(
    private readonly fd: number,
    private readonly lock_path: string,
  ) {
    this.inner = new EmbeddedLedger(() => this.clock_reading_ns);
  }

  /** Opens (creating if needed) the journal in `directory` and replays it. One process at a time. */
  static async open(directory: string): Promise<JournaledLedger> {
    mkdirSync(directory, { recursive: true });
    const lock_path = join(directory, 'ledger.lock');
    takeLock(lock_path);
    try {
      const journal_path = join(directory, 'ledger.journal');
      const fd = openSync(journal_path, existsSync(journal_path) ? 'r+' : 'w+');
      const ledger = new JournaledLedger(fd, lock_path);
      await ledger.replay(journal_path);
      return ledger;
    } catch (error) {
      unlinkSync(lock_path);
      throw error;
    }
  }

  async createAccounts(accounts: readonly Account[]): Promise<CreateAccountResult[]> {
    this.clock_reading_ns = realtimeNs();
    const results = await this.inner.createAccounts(accounts);
    this.append(operations.create_accounts, accounts.map(encodeAccount));
    return results;
  }

  async createTransfers(transfers: readonly Transfer[]): Promise<CreateTransferResult[]> {
    this.clock_reading_ns = realtimeNs();
    const results = await this.inner.createTransfers(transfers);
    this.append(operations.create_transfers, transfers.map(encodeTransfer));
    return results;
  }

  lookupAccounts(ids: readonly bigint[]): Promise<Account[]> {
    return this.inner.lookupAccounts(ids);
  }
  lookupTransfers(ids: readonly bigint[]): Promise<Transfer[]> {
    return this.inner.lookupTransfers(ids);
  }
  getAccountTransfers(filter: AccountFilter): Promise<Transfer[]> {
    return this.inner.getAccountTransfers(filter);
  }
  getAccountBalances(filter: AccountFilter): Promise<AccountBalance[]> {
    return this.inner.getAccountBalances(filter);
  }
  queryAccounts(filter: QueryFilter): Promise<Account[]> {
    return this.inner.queryAccounts(filter);
  }
  queryTransfers(filter: QueryFilter): Promise<Transfer[]> {
    return this.inner.queryTransfers(filter);
  }

  async close(): Promise<void> {
    fsyncSync(this.fd);
    closeSync(this.fd);
    unlinkSync(this.lock_path);
    await this.inner.close();
  }

  private append(operation: number, objects: Buffer[]): void {
    // An empty request changes nothing; journaling it would only grow the file.
    if (objects.length === 0) return;
    const payload = Buffer.alloc(payload_prefix_size + objects.length * object_size);
    payload.writeUInt8(operation, 0);
    payload.writeBigUInt64LE(this.clock_reading_ns, 8);
    objects.forEach((object, index) => object.copy(payload, payload_prefix_size + index * object_size));
    const header = Buffer.alloc(8);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    this.write(Buffer.concat([header, payload]));
  }

  private write(buffer: Buffer): void {
    let written = 0;
    while (written < buffer.length)
      written += writeSync(this.fd, buffer, written, buffer.length - written, this.journal_size + written);
    this.journal_size += buffer.length;
  }

  private async replay(journal_path: string): Promise<void> {
    const size = fstatSync(this.fd).size;
    if (size === 0) {
      this.write(magic);
      return;
    }
    const reader = new ChunkReader(this.fd, size);
    if (size < header_size || !reader.read(0, header_size).equals(magic)) {
      throw ledgerError(ledger_error_codes.journal_corrupt, `${journal_path} is not a Keel ledger journal`);
    }
    let offset = header_size;
    while (offset < size) {
      const record = readRecord(reader, offset, size);
      if (record === 'torn') {
        // The last write was cut short: that request was never acknowledged, so dropping it is exact.
        ftruncateSync(this.fd, offset);
        break;
      }
      if (record === 'damaged') {
        throw ledgerError(
          ledger_error_codes.journal_corrupt,
          `${journal_path}: record at byte ${offset} fails its checksum`,
        );
      }
      await this.apply(record.payload);
      offset = record.next_offset;
    }
    this.journal_size = offset;
  }

  private async apply(payload: Buffer): Promise<void> {
    const operation = payload.readUInt8(0);
    this.clock_reading_ns = payload.readBigUInt64LE(8);
    const count = (payload.length - payload_prefix_size) / object_size;
    const objects = Array.from({ length: count }, (_, index) =>
      payload.subarray(payload_prefix_size + index * object_size, payload_prefix_size + (index + 1) * object_size),
    );
    if (operation === operations.create_accounts) await this.inner.createAccounts(objects.map(decodeAccount));
    else if (operation === operations.create_transfers) await this.inner.createTransfers(objects.map(decodeTransfer));
    else throw ledgerError(ledger_error_codes.journal_corrupt, `unknown journal operation ${operation}`);
  }
}

type JournalRecord = { payload: Buffer; next_offset: number };

function readRecord(reader: ChunkReader, offset: number, size: number): JournalRecord | 'torn' | 'damaged' {
  if (offset + 8 > size) return 'torn';
  const header = reader.read(offset, 8);
  const length = header.readUInt32LE(0);
  if (
    length < payload_prefix_size ||
    length > record_payload_max ||
    (length - payload_prefix_size) % object_size !== 0
  ) {
    return offset + 8 + length >= size ? 'torn' : 'damaged';
  }
  if (offset + 8 + length > size) return 'torn';
  const payload = Buffer.from(reader.read(offset + 8, length));
  if (crc32(payload) !== header.readUInt32LE(4)) return offset + 8 + length === size ? 'torn' : 'damaged';
  return { payload, next_offset: offset + 8 + length };
}

/** Sequential reads through a large buffer, so replaying a big journal does not cost a syscall per record. */
class ChunkReader {
  private chunk = Buffer.alloc(0);
  private chunk_offset = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}

  read(offset: number, length: number): Buffer {
    if (offset < this.chunk_offset || offset + length > this.chunk_offset + this.chunk.length) {
      const chunk_length = Math.min(Math.max(read_chunk_size, length), this.size - offset);
      this.chunk = Buffer.alloc(chunk_length);
      let filled = 0;
      while (filled < chunk_length)
        filled += readSync(this.fd, this.chunk, filled, chunk_length - filled, offset + filled);
      this.chunk_offset = offset;
    }
    return this.chunk.subarray(offset - this.chunk_offset, offset - this.chunk_offset + length);
  }
}

function takeLock(lock_path: string): void {
  try {
    writeFileSync(lock_path, String(process.pid), { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(lock_path, 'utf8'));
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processIsAlive(holder)) {
    throw ledgerError(
      ledger_error_codes.journal_locked,
      `the embedded ledger in ${lock_path} is in use by process ${holder}`,
    );
  }
  // The holder is gone (it crashed without unlocking): the lock is stale and the journal is ours.
  writeFileSync(lock_path, String(process.pid));
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function realtimeNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

// TigerBeetle's 128-byte wire layouts: the journal stores objects exactly as the cluster would.
type FieldKind = 'u128' | 'u64' | 'u32' | 'u16';
type Layout<T> = readonly (readonly [keyof T & string, number, FieldKind])[];

const account_layout: Layout<Account> = [
  ['id', 0, 'u128'],
  ['debits_pending', 16, 'u128'],
  ['debits_posted', 32, 'u128'],
  ['credits_pending', 48, 'u128'],
  ['credits_posted', 64, 'u128'],
  ['user_data_128', 80, 'u128'],
  ['user_data_64', 96, 'u64'],
  ['user_data_32', 104, 'u32'],
  ['reserved', 108, 'u32'],
  ['ledger', 112, 'u32'],
  ['code', 116, 'u16'],
  ['flags', 118, 'u16'],
  ['timestamp', 120, 'u64'],
];

const transfer_layout: Layout<Transfer> = [
  ['id', 0, 'u128'],
  ['debit_account_id', 16, 'u128'],
  ['credit_account_id', 32, 'u128'],
  ['amount', 48, 'u128'],
  ['pending_id', 64, 'u128'],
  ['user_data_128', 80, 'u128'],
  ['user_data_64', 96, 'u64'],
  ['user_data_32', 104, 'u32'],
  ['timeout', 108, 'u32'],
  ['ledger', 112, 'u32'],
  ['code', 116, 'u16'],
  ['flags', 118, 'u16'],
  ['timestamp', 120, 'u64'],
];

function encode<T>(layout: Layout<T>, object: T): Buffer {
  const buffer = Buffer.alloc(object_size);
  for (const [name, offset, kind] of layout) {
    const value = object[name] as bigint | number;
    if (kind === 'u128') {
      buffer.writeBigUInt64LE((value as bigint) & 0xffff_ffff_ffff_ffffn, offset);
      buffer.writeBigUInt64LE((value as bigint) >> 64n, offset + 8);
    } else if (kind === 'u64') buffer.writeBigUInt64LE(value as bigint, offset);
    else if (kind === 'u32') buffer.writeUInt32LE(value as number, offset);
    else buffer.writeUInt16LE(value as number, offset);
  }
  return buffer;
}

function decode<T>(layout: Layout<T>, buffer: Buffer): T {
  const object: Record<string, bigint | number> = {};
  for (const [name, offset, kind] of layout) {
    if (kind === 'u128') object[name] = buffer.readBigUInt64LE(offset) | (buffer.readBigUInt64LE(offset + 8) << 64n);
    else if (kind === 'u64') object[name] = buffer.readBigUInt64LE(offset);
    else if (kind === 'u32') object[name] = buffer.readUInt32LE(offset);
    else object[name] = buffer.readUInt16LE(offset);
  }
  return object as T;
}

const encodeAccount = (account: Account) => encode(account_layout, account);
const decodeAccount = (buffer: Buffer) => decode<Account>(account_layout, buffer);
const encodeTransfer = (transfer: Transfer) => encode(transfer_layout, transfer);
const decodeTransfer = (buffer: Buffer) => decode<Transfer>(transfer_layout, buffer);
