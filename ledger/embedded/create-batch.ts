// The batch loop shared by create_accounts and create_transfers, with TigerBeetle 0.17's rules:
// - event i of an n-event batch is stamped base + i + 1, whether it succeeds or not;
// - a linked chain runs inside a scope: the first failure discards the scope and turns every
//   earlier event of the chain into `linked_event_failed`, and every later one fails the same way;
// - a batch whose last event is linked answers `linked_event_chain_open` for it (before anything
//   else is checked) and so fails its chain;
// - the first event decides whether the batch imports past timestamps;
// - a transient failure burns the event's id, after the chain's scope is discarded so the burn
//   survives the rollback.

import { AccountFlags, TransferFlags, CreateAccountStatus, CreateTransferStatus } from '../ledger-port.js';
import type { LedgerState } from './ledger-state.js';
import { timestamp_max_valid, timestamp_min_valid } from './limits.js';

/** The batch-level statuses, which share names but not numbers between accounts and transfers. */
type BatchStatuses<Status extends number> = {
  created: Status;
  linked_event_failed: Status;
  linked_event_chain_open: Status;
  timestamp_must_be_zero: Status;
  imported_event_expected: Status;
  imported_event_not_expected: Status;
  imported_event_timestamp_out_of_range: Status;
  imported_event_timestamp_must_not_advance: Status;
};

export type CreateKind<Event extends { id: bigint; flags: number; timestamp: bigint }, Status extends number> = {
  statuses: BatchStatuses<Status>;
  flag_linked: number;
  flag_imported: number;
  create(state: LedgerState, event: Event, timestamp_event: bigint): { status: Status; timestamp: bigint };
  /** Whether a failure burns the id (only transfers have transient failures). */
  transient(status: Status): boolean;
};

export const account_statuses: BatchStatuses<CreateAccountStatus> = {
  created: CreateAccountStatus.created,
  linked_event_failed: CreateAccountStatus.linked_event_failed,
  linked_event_chain_open: CreateAccountStatus.linked_event_chain_open,
  timestamp_must_be_zero: CreateAccountStatus.timestamp_must_be_zero,
  imported_event_expected: CreateAccountStatus.imported_event_expected,
  imported_event_not_expected: CreateAccountStatus.imported_event_not_expected,
  imported_event_timestamp_out_of_range: CreateAccountStatus.imported_event_timestamp_out_of_range,
  imported_event_timestamp_must_not_advance: CreateAccountStatus.imported_event_timestamp_must_not_advance,
};

export const transfer_statuses: BatchStatuses<CreateTransferStatus> = {
  created: CreateTransferStatus.created,
  linked_event_failed: CreateTransferStatus.linked_event_failed,
  linked_event_chain_open: CreateTransferStatus.linked_event_chain_open,
  timestamp_must_be_zero: CreateTransferStatus.timestamp_must_be_zero,
  imported_event_expected: CreateTransferStatus.imported_event_expected,
  imported_event_not_expected: CreateTransferStatus.imported_event_not_expected,
  imported_event_timestamp_out_of_range: CreateTransferStatus.imported_event_timestamp_out_of_range,
  imported_event_timestamp_must_not_advance: CreateTransferStatus.imported_event_timestamp_must_not_advance,
};

export const account_flag_bits = { flag_linked: AccountFlags.linked, flag_imported: AccountFlags.imported };
export const transfer_flag_bits = { flag_linked: TransferFlags.linked, flag_imported: TransferFlags.imported };

/**
 * Runs one batch. `base` is the timestamp just before the batch's first event; the batch's own
 * timestamp (the bound for imported events) is `base + events.length`.
 */
export function execute_create<Event extends { id: bigint; flags: number; timestamp: bigint }, Status extends number>(
  state: LedgerState,
  kind: CreateKind<Event, Status>,
  events: readonly Event[],
  base: bigint,
): { timestamp: bigint; status: Status }[] {
  const { statuses } = kind;
  const results: { timestamp: bigint; status: Status }[] = new Array(events.length);
  const timestamp_batch = base + BigInt(events.length);
  const batch_imported = events.length > 0 && (events[0]!.flags & kind.flag_imported) !== 0;
  let chain_start = -1;
  let chain_broken = false;
  let timestamp_event = base;

  for (let index = 0; index < events.length; index += 1) {
    const event = events[index]!;
    timestamp_event += 1n;
    const linked = (event.flags & kind.flag_linked) !== 0;
    let result: { timestamp: bigint; status: Status };
    if (linked && chain_start < 0) {
      chain_start = index;
      state.scope.open();
    }
    if (linked && index === events.length - 1) {
      result = { timestamp: timestamp_event, status: statuses.linked_event_chain_open };
    } else if (chain_broken) {
      result = { timestamp: timestamp_event, status: statuses.linked_event_failed };
    } else {
      const status = batch_status(kind, event, batch_imported, timestamp_batch);
      result =
        status === statuses.created
          ? kind.create(state, event, timestamp_event)
          : { timestamp: timestamp_event, status };
    }

    if (result.status !== statuses.created) {
      if (chain_start >= 0 && !chain_broken) {
        chain_broken = true;
        state.scope.discard();
        for (let earlier = chain_start; earlier < index; earlier += 1) {
          results[earlier]!.status = statuses.linked_event_failed;
        }
      }
      if (kind.transient(result.status)) state.transfers.burn_id(event.id);
    }
    results[index] = result;

    if (chain_start >= 0 && (!linked || result.status === statuses.linked_event_chain_open)) {
      if (!chain_broken) state.scope.persist();
      chain_start = -1;
      chain_broken = false;
    }
  }
  return results;
}

/** The checks TigerBeetle makes on every event before the event-specific ones. */
function batch_status<Event extends { flags: number; timestamp: bigint }, Status extends number>(
  kind: CreateKind<Event & { id: bigint }, Status>,
  event: Event,
  batch_imported: boolean,
  timestamp_batch: bigint,
): Status {
  const { statuses } = kind;
  const imported = (event.flags & kind.flag_imported) !== 0;
  if (imported !== batch_imported) {
    return imported ? statuses.imported_event_not_expected : statuses.imported_event_expected;
  }
  if (imported) {
    if (event.timestamp < timestamp_min_valid || event.timestamp > timestamp_max_valid) {
      return statuses.imported_event_timestamp_out_of_range;
    }
    if (event.timestamp >= timestamp_batch) return statuses.imported_event_timestamp_must_not_advance;
    return statuses.created;
  }
  if (event.timestamp !== 0n) return statuses.timestamp_must_be_zero;
  return statuses.created;
}
