-- Quarantine (issue 16): an event the audit store cannot store (PostgreSQL refused it) or can no
-- longer fold (it fails today's validation: stored before a stricter one) is kept here with its
-- code and reason, out of the fold, so that sealing goes on for everything else. `original` is the
-- event's JSON text as received or stored: text with every control character and lone surrogate
-- escaped, so that it holds what jsonb would refuse (a NUL). Released rows stay, marked released.
create table quarantined_events (
  quarantine_id    bigint generated always as identity primary key,
  code             text not null check (code ~ '^KEEL_ERR_[A-Z0-9_]{1,100}$'),
  reason           text not null check (length(reason) between 1 and 2000),
  original         text not null check (length(original) between 1 and 10000000),
  -- Where it was read from (Kafka), and the store id it had when it was moved out of `events`.
  source_topic     text,
  source_partition integer check (source_partition >= 0),
  source_offset    bigint check (source_offset >= 0),
  from_store_id    bigint,
  quarantined_at   timestamptz not null default now(),
  released_at      timestamptz,
  release_reason   text check (length(release_reason) between 1 and 2000),
  check ((released_at is null) = (release_reason is null))
);
create index quarantined_events_held on quarantined_events (quarantine_id) where released_at is null;
