-- 0001 — the audit store: events as received, tax lots and disposals, versioned trade records,
-- prices, the hash-chained audit log, and connector cursors.
--
-- Forward-only: this file is checksummed by the migration runner (platform/postgres.ts) once
-- applied and must never change; later changes go in 0002_… and up. Each file runs in one
-- transaction, so nothing here may need to run outside one (no CREATE INDEX CONCURRENTLY).
--
-- Conventions:
--   * money and quantities are `numeric` (exact decimal, no scale limit): never float;
--   * instants are `timestamptz(3)`, the millisecond precision of the event contract, so a time
--     read back gives the same ISO-8601 text that went in;
--   * hashes are lowercase hex SHA-256 (64 characters);
--   * JSON documents are `jsonb` holding the canonical form (platform/canonical-json.ts).

-- ---- events ---------------------------------------------------------------------------------
-- Every canonical event the audit consumer stored, once: the same event id delivered again is
-- a no-op when content_hash is equal and a conflict when it differs (DESIGN §3).
create table events (
  store_id         bigint generated always as identity primary key, -- arrival order in this store
  event_id         text not null unique check (length(event_id) between 1 and 1000),
  type             text not null check (length(type) between 1 and 100),
  event_time       timestamptz(3) not null,
  venue            text not null check (length(venue) between 1 and 200),
  account          text not null check (length(account) between 1 and 200),
  event            jsonb not null,                                  -- the canonical event
  content_hash     text not null check (content_hash ~ '^[0-9a-f]{64}$'),
  -- Where the event was read from, when it came through Kafka (null for a file or the API).
  source_topic     text,
  source_partition integer check (source_partition >= 0),
  source_offset    bigint check (source_offset >= 0),
  received_at      timestamptz not null default now(),
  check ((source_topic is null) = (source_partition is null) and (source_topic is null) = (source_offset is null))
);
-- Replay and reports walk events in event-time order, ties broken by event id (DESIGN §7).
create index events_by_time on events (event_time, event_id);
create index events_by_account_time on events (venue, account, event_time, event_id);
-- The trade-record join (decision, risk check, order, fills) goes by client order id.
create index events_by_client_order_id on events ((event ->> 'client_order_id'))
  where event ? 'client_order_id';

-- ---- tax lots -------------------------------------------------------------------------------
-- One row per acquisition. remaining_quantity goes down as disposals consume the lot.
-- cost_basis is null when it is unknown (missing basis or unpriced): never zero silently (I6).
-- It can be negative: a fee rebate worth more than what the lot cost is deducted from its cost.
create table lots (
  lot_id               text primary key check (length(lot_id) between 1 and 1000),
  pool                 text not null check (length(pool) between 1 and 400),  -- 'venue/account' or 'global'
  asset                text not null check (length(asset) between 1 and 100),
  acquired_at          timestamptz(3) not null,
  acquisition_event_id text not null,
  quantity             numeric not null check (quantity > 0),
  remaining_quantity   numeric not null check (remaining_quantity >= 0 and remaining_quantity <= quantity),
  cost_basis           numeric,                                  -- in currency, fees and rebates included
  currency             text not null default 'USD',
  basis_source         text,                                     -- e.g. trade, price, deposit cost_basis
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);
-- Matching (FIFO/LIFO/HIFO) reads the open lots of one pool and asset in acquisition order.
create index lots_by_pool_asset on lots (pool, asset, acquired_at, lot_id);
create index lots_open_by_pool_asset on lots (pool, asset, acquired_at, lot_id) where remaining_quantity > 0;
create index lots_by_acquisition_event on lots (acquisition_event_id);

-- One row per (disposal, lot) match; a disposal with no lot to match has lot_id null and
-- missing_basis true. Null proceeds means unpriced, null cost_basis unknown basis.
create table disposals (
  disposal_id       text primary key check (length(disposal_id) between 1 and 1000),
  disposal_event_id text not null,
  lot_id            text references lots (lot_id) deferrable initially deferred,
  pool              text not null,
  asset             text not null,
  disposed_at       timestamptz(3) not null,
  acquired_at       timestamptz(3),
  quantity          numeric not null check (quantity > 0),
  proceeds          numeric,
  cost_basis        numeric,
  gain              numeric,
  currency          text not null default 'USD',
  holding_period    text check (holding_period in ('short', 'long')),
  missing_basis     boolean not null default false,
  created_at        timestamptz not null default now(),
  check (missing_basis = (lot_id is null))
);
create index disposals_by_time on disposals (disposed_at, disposal_id);
create index disposals_by_pool_asset_time on disposals (pool, asset, disposed_at);
create index disposals_by_lot on disposals (lot_id);
create index disposals_by_event on disposals (disposal_event_id);

-- ---- trade records --------------------------------------------------------------------------
-- The explainable record of one trade (decision, risk check, order, fills, lots). A record is
-- never edited: a new version supersedes it. Exactly one version per trade is current.
create table trade_records (
  trade_id       text not null check (length(trade_id) between 1 and 1000),
  version        integer not null check (version >= 1),
  venue          text not null,
  account        text not null,
  trade_time     timestamptz(3) not null,
  record         jsonb not null,                                   -- canonical record
  record_hash    text not null check (record_hash ~ '^[0-9a-f]{64}$'),
  is_current     boolean not null default true,
  superseded_by  integer check (superseded_by > version),          -- the version that replaced it
  audit_sequence bigint,                                           -- its audit_log entry, once appended
  created_at     timestamptz not null default now(),
  primary key (trade_id, version),
  check (is_current = (superseded_by is null))
);
create unique index trade_records_one_current on trade_records (trade_id) where is_current;
create index trade_records_current_by_time on trade_records (trade_time, trade_id) where is_current;
create index trade_records_by_account_time on trade_records (venue, account, trade_time) where is_current;

-- ---- prices ---------------------------------------------------------------------------------
-- Market prices used for valuation: one price of one unit of asset in currency at price_time,
-- per source. "The price at t" is the latest at or before t: the primary key serves that query.
create table prices (
  asset       text not null check (length(asset) between 1 and 100),
  currency    text not null default 'USD' check (length(currency) between 1 and 100),
  price_time  timestamptz(3) not null,
  source      text not null check (length(source) between 1 and 200),
  price       numeric not null check (price > 0),
  recorded_at timestamptz not null default now(),
  primary key (asset, currency, price_time, source)
);

-- ---- the audit log --------------------------------------------------------------------------
-- Append-only and hash-chained (I5). entry_hash = SHA-256 over the canonical JSON of
-- {sequence, kind, payload: entry, previous_hash, recorded_at (ISO-8601 with ms)}
-- (audit/audit-chain.ts); previous_hash is the entry_hash of sequence − 1, 64 zeros for the first.
create table audit_log (
  sequence      bigint primary key check (sequence >= 1),
  kind          text not null check (kind ~ '^[a-z][a-z0-9_.]{0,99}$'),
  entry         jsonb not null,
  previous_hash text not null check (previous_hash ~ '^[0-9a-f]{64}$'),
  entry_hash    text not null unique check (entry_hash ~ '^[0-9a-f]{64}$'),
  recorded_at   timestamptz(3) not null
);

-- The database itself refuses to change history: any UPDATE, DELETE or TRUNCATE raises, whoever
-- asks. The triggers are ENABLE ALWAYS so that session_replication_role = replica (which
-- silences ordinary triggers) does not silence them either; only ALTER TABLE … DISABLE TRIGGER
-- by the table's owner or a superuser gets past them, and the hash chain catches what follows.
create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'KEEL_ERR_AUDIT_LOG_APPEND_ONLY: the audit log is append-only; % refused', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'history is never edited: append a correcting entry instead';
end;
$$;

create trigger audit_log_no_update before update on audit_log
  for each statement execute function audit_log_refuse_change();
create trigger audit_log_no_delete before delete on audit_log
  for each statement execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_refuse_change();

-- Inserts must extend the chain: the next sequence, linked to the current head. The application
-- computes the hashes (canonical JSON is not something SQL can produce), so this guards the
-- links; appenders serialise on a table lock, and the primary key stops a forked sequence.
create function audit_log_require_next() returns trigger language plpgsql as $$
declare
  head_sequence bigint;
  head_hash text;
begin
  select sequence, entry_hash into head_sequence, head_hash from audit_log order by sequence desc limit 1;
  if new.sequence <> coalesce(head_sequence, 0) + 1 then
    raise exception 'KEEL_ERR_AUDIT_LOG_NOT_NEXT: sequence % does not follow the head %', new.sequence, coalesce(head_sequence, 0)
      using errcode = 'integrity_constraint_violation';
  end if;
  if new.previous_hash <> coalesce(head_hash, repeat('0', 64)) then
    raise exception 'KEEL_ERR_AUDIT_LOG_NOT_NEXT: previous_hash of sequence % is not the head''s entry_hash', new.sequence
      using errcode = 'integrity_constraint_violation';
  end if;
  return new;
end;
$$;

create trigger audit_log_insert_extends_chain before insert on audit_log
  for each row execute function audit_log_require_next();

alter table audit_log enable always trigger audit_log_no_update;
alter table audit_log enable always trigger audit_log_no_delete;
alter table audit_log enable always trigger audit_log_no_truncate;
alter table audit_log enable always trigger audit_log_insert_extends_chain;

-- Nobody but the owner needs more than reading and appending.
revoke update, delete, truncate on audit_log from public;

-- ---- connector cursors ----------------------------------------------------------------------
-- How far each connector has read each stream of each venue account, so a restart resumes
-- where it stopped. One row per (venue, account, stream), written with
--   insert … on conflict (venue, account, stream) do update set cursor = excluded.cursor, updated_at = now()
--   venue    the venue id, as in events (e.g. 'binance')
--   account  the venue account, as in events (e.g. 'spot-main')
--   stream   what is read: 'trades:BTC/USDT', 'funding', 'ledger', 'deposits', …
--   cursor   the connector's own position, as JSON: e.g. {"since": 1709287201120, "id": "28457"}
create table connector_cursors (
  venue      text not null check (length(venue) between 1 and 200),
  account    text not null check (length(account) between 1 and 200),
  stream     text not null check (length(stream) between 1 and 400),
  cursor     jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (venue, account, stream)
);
