// The Ledger port over a real TigerBeetle cluster, through tigerbeetle-node (pinned, 0.17.9).
//
// The client never gives up on a request by itself: it retries until the cluster answers. Keel
// bounds every wait instead; a create that times out may or may not have committed, so it is
// resubmitted with the same ids, which TigerBeetle answers with `exists` when the first attempt
// got through. Reads are simply asked again.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Client } from 'tigerbeetle-node';
import { ledgerError, ledger_error_codes } from './ledger-errors.js';
import {
  batch_events_max,
  type Account,
  type AccountBalance,
  type AccountFilter,
  type CreateAccountResult,
  type CreateTransferResult,
  type Ledger,
  type QueryFilter,
  type Transfer,
} from './ledger-port.js';

export type TigerBeetleOptions = {
  cluster_id: bigint;
  /** `host:port` or a bare port, one per replica. */
  replica_addresses: string[];
  /** How long one attempt may take before it is treated as "may have committed". */
  request_timeout_ms: number;
  /** Attempts per request, the first included, before the caller is told the ledger is unreachable. */
  request_attempts_max?: number;
};

const request_timeout_ms_max = 10 * 60 * 1000;
const request_attempts_limit = 100;

export class TigerBeetleLedger implements Ledger {
  readonly name = 'tigerbeetle';

  private constructor(
    private readonly client: Client,
    private readonly request_timeout_ms: number,
    private readonly request_attempts_max: number,
  ) {}

  /** Loads the native client only here, so processes on the embedded ledger never need it. */
  static async connect(options: TigerBeetleOptions): Promise<TigerBeetleLedger> {
    if (options.replica_addresses.length === 0) throw new RangeError('at least one replica address is needed');
    const tigerbeetle = await import('tigerbeetle-node');
    const replica_addresses = await Promise.all(options.replica_addresses.map(resolveAddress));
    const client = tigerbeetle.createClient({ cluster_id: options.cluster_id, replica_addresses });
    return TigerBeetleLedger.overClient(client, options);
  }

  /** The adapter over an existing client (tests give it one that can be made slow). */
  static overClient(
    client: Client,
    options: Pick<TigerBeetleOptions, 'request_timeout_ms' | 'request_attempts_max'>,
  ): TigerBeetleLedger {
    const attempts_max = options.request_attempts_max ?? 3;
    if (
      !Number.isInteger(options.request_timeout_ms) ||
      options.request_timeout_ms < 1 ||
      options.request_timeout_ms > request_timeout_ms_max
    ) {
      throw new RangeError(
        `request_timeout_ms must be 1..${request_timeout_ms_max}, got ${options.request_timeout_ms}`,
      );
    }
    if (!Number.isInteger(attempts_max) || attempts_max < 1 || attempts_max > request_attempts_limit) {
      throw new RangeError(`request_attempts_max must be 1..${request_attempts_limit}, got ${attempts_max}`);
    }
    return new TigerBeetleLedger(client, options.request_timeout_ms, attempts_max);
  }

  // The client's results carry a `reserved` field besides timestamp and status; the port's do not.
  async createAccounts(accounts: readonly Account[]): Promise<CreateAccountResult[]> {
    const results = await this.request('create_accounts', accounts.length, () =>
      this.client.createAccounts([...accounts]),
    );
    return results.map((result) => ({ timestamp: result.timestamp, status: result.status as number }));
  }

  async createTransfers(transfers: readonly Transfer[]): Promise<CreateTransferResult[]> {
    const results = await this.request('create_transfers', transfers.length, () =>
      this.client.createTransfers([...transfers]),
    );
    return results.map((result) => ({ timestamp: result.timestamp, status: result.status as number }));
  }

  lookupAccounts(ids: readonly bigint[]): Promise<Account[]> {
    return this.request('lookup_accounts', ids.length, () => this.client.lookupAccounts([...ids]));
  }

  lookupTransfers(ids: readonly bigint[]): Promise<Transfer[]> {
    return this.request('lookup_transfers', ids.length, () => this.client.lookupTransfers([...ids]));
  }

  getAccountTransfers(filter: AccountFilter): Promise<Transfer[]> {
    return this.request('get_account_transfers', filter.limit, () => this.client.getAccountTransfers(filter));
  }

  getAccountBalances(filter: AccountFilter): Promise<AccountBalance[]> {
    return this.request('get_account_balances', filter.limit, () => this.client.getAccountBalances(filter));
  }

  queryAccounts(filter: QueryFilter): Promise<Account[]> {
    return this.request('query_accounts', filter.limit, () => this.client.queryAccounts(filter));
  }

  queryTransfers(filter: QueryFilter): Promise<Transfer[]> {
    return this.request('query_transfers', filter.limit, () => this.client.queryTransfers(filter));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** One request with a bounded wait, resubmitted as is after a timeout (safe: ids make it idempotent). */
  private async request<T>(operation: string, events: number, submit: () => Promise<T>): Promise<T> {
    if (events > batch_events_max) {
      throw ledgerError(
        ledger_error_codes.batch_too_large,
        `${operation}: ${events} events, more than TigerBeetle's ${batch_events_max} per request`,
      );
    }
    for (let attempt = 1; ; attempt += 1) {
      const answer = await withTimeout(submit(), this.request_timeout_ms);
      if (answer.done) return answer.value;
      if (attempt >= this.request_attempts_max) {
        throw ledgerError(
          ledger_error_codes.request_timeout,
          `${operation}: no answer from TigerBeetle after ${attempt} attempts of ${this.request_timeout_ms} ms; ` +
            'the request may have committed, and resubmitting the same ids is safe',
        );
      }
    }
  }
}

/**
 * The client takes IP literals only; a host name (`tigerbeetle:3000` in Docker Compose) is looked
 * up once here. A bare port, or an address that already is an IP, passes unchanged.
 */
async function resolveAddress(address: string): Promise<string> {
  const separator = address.lastIndexOf(':');
  if (separator === -1) return address;
  const host = address.slice(0, separator);
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return address;
  const { address: ip, family } = await lookup(host);
  return family === 6 ? `[${ip}]${address.slice(separator)}` : `${ip}${address.slice(separator)}`;
}

type Answer<T> = { done: true; value: T } | { done: false };

function withTimeout<T>(promise: Promise<T>, timeout_ms: number): Promise<Answer<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Answer<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), timeout_ms);
  });
  return Promise.race([promise.then((value): Answer<T> => ({ done: true, value })), timeout]).finally(() =>
    clearTimeout(timer),
  );
}
