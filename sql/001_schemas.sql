-- Warehouse layers: raw (as received), staging (per-batch work area), core (conformed, keyed),
-- mart (the BI contract: views only), ops (runs, batches, validation results, quarantine).
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists core;
create schema if not exists mart;
create schema if not exists ops;
