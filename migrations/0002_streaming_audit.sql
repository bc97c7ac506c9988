-- The streaming audit (issue 15): what the fold persists so that a batch of new events costs what
-- it holds, not what the store holds, and a restart resumes without reading history.

-- Arrival order of price rows: rows that arrive after the fold passed their time re-fold from it.
alter table prices add column price_seq bigint generated always as identity;
create index prices_by_seq on prices (price_seq);
create index prices_by_currency_asset_time on prices (currency, asset, price_time);

-- The time of the event that made a lot row (its acquisition, or the transfer that moved it):
-- a re-fold from a time rewrites exactly the rows made from then on.
alter table lots add column event_time timestamptz(3);
create index lots_by_event_time on lots (event_time);

-- Fills and order events of one order, for rebuilding a trade record from its parts.
create index events_by_order on events (venue, account, (event ->> 'order_id')) where type in ('trade', 'order');
-- Spot trades by base asset and time: the prices they imply, for a deposit valued at its acquisition time.
create index events_spot_by_base_time on events ((event -> 'instrument' ->> 'base'), event_time)
  where type = 'trade' and event -> 'instrument' ->> 'kind' = 'spot';

-- What each fill saw when the fold applied it: the lots it opened and closed and its account's
-- balances before and after. A trade record is rebuilt from its fills' facts alone.
create table fill_facts (
  event_id  text primary key,
  trade_id  text not null,
  fill_time timestamptz(3) not null,
  facts     jsonb not null
);
create index fill_facts_by_time on fill_facts (fill_time);

-- The fold's progress: one row.
create table audit_fold (
  singleton        boolean primary key default true check (singleton),
  folded_store_id  bigint not null check (folded_store_id >= 0),  -- every event stored up to this id has been seen
  folded_through_ms bigint,                                        -- the last millisecond folded: later events wait
  folded_price_seq bigint not null check (folded_price_seq >= 0),
  settings         jsonb not null,                                 -- the lot settings folded with
  generation       bigint not null check (generation >= 0),        -- bumped by every fold
  events_applied   bigint not null check (events_applied >= 0)
);

-- States of the fold: each holds every event before `boundary_ms` (and was taken when no later-
-- arriving event was earlier). A late event re-folds from the latest checkpoint before it.
create table audit_checkpoints (
  boundary_ms    bigint primary key,
  events_applied bigint not null check (events_applied >= 0),
  state          text not null,
  created_at     timestamptz not null default now()
);

-- Trades whose record may have changed since records were last built (built when the audit has
-- caught up with the log, so that a replay builds the same versions whatever its batches).
create table audit_dirty_trades (
  trade_id text primary key,
  venue    text not null,
  account  text not null,
  order_id text not null
);
