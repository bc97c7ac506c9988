-- Period close (issue 15): closed periods, the ordering time that the adjustment rule gives a
-- late event dated in one (audit/lots/period-close.ts), and what a reopen compares against.

-- One row per close. `store_id_max`: the highest events.store_id when it was closed (taken under a
-- share lock on events, so no event stored later has a lower id): events above it arrived after.
-- A reopened close keeps its row, with who reopened it and why.
create table period_closes (
  close_id      bigint generated always as identity primary key,
  through_date  date not null,                                  -- closed through the end of this UTC day
  through_ms    bigint not null check (through_ms >= 0),        -- its last millisecond
  reason        text not null check (length(reason) between 1 and 2000),
  closed_by     text not null check (length(closed_by) between 1 and 400),
  closed_at     timestamptz not null default now(),
  store_id_max  bigint not null check (store_id_max >= 0),
  reopened_by   text check (length(reopened_by) between 1 and 400),
  reopened_at   timestamptz,
  reopen_reason text check (length(reopen_reason) between 1 and 2000),
  -- The millisecond the reopen re-folds from (the earliest adjustment it released; null: none),
  -- and whether a seal has listed what changed against the closed versions.
  reopen_refold_from_ms bigint,
  changes_listed boolean not null default false,
  check ((reopened_at is null) = (reopened_by is null) and (reopened_at is null) = (reopen_reason is null))
);
-- At most one open close per date: reopening is explicit.
create unique index period_closes_active_through on period_closes (through_date) where reopened_at is null;

-- The ordering time of a prior-period adjustment (its close boundary); null for every other event,
-- which is ordered at its own time. Set by the seal when it first sees the event, reset by reopen.
alter table events add column order_time timestamptz(3);
create index events_by_order_time on events ((coalesce(order_time, event_time)), event_id);
create index events_adjusted on events (order_time) where order_time is not null;
-- The prices spot trades imply count from their ordering time: 0002's index by event time gives way.
create index events_spot_by_base_order_time on events ((event -> 'instrument' ->> 'base'), (coalesce(order_time, event_time)))
  where type = 'trade' and event -> 'instrument' ->> 'kind' = 'spot';
drop index events_spot_by_base_time;
-- lots.event_time (0002) holds the ordering time of the event that made the lot row: a re-fold
-- from a time rewrites the rows of the events ordered from then on, adjustments included.

-- A close or reopen asks the next seal to re-fold from a millisecond (null: nothing asked).
alter table audit_fold add column refold_from_ms bigint;

-- What a reopened period held when it was reopened (the closed versions), from the earliest
-- released adjustment on: disposals by id and the current record of each trade, by fingerprint.
create table reopen_baselines (
  close_id    bigint not null references period_closes (close_id),
  kind        text not null check (kind in ('disposal', 'record')),
  item_id     text not null,
  fingerprint text not null,
  primary key (close_id, kind, item_id)
);
