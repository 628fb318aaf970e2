-- BI readiness, second step: data-quality marts over the GX results and the quarantine, and BI
-- sessions that see the mart by default and cannot hold locks by idling in a transaction.

alter role news_bi set search_path = mart;
alter role news_bi set idle_in_transaction_session_timeout = '5min';

create view mart.data_quality as
select v.run_id, r.dag_run_id, v.suite,
       count(*)::integer as batches,
       sum(v.evaluated_rows)::integer as evaluated_rows,
       sum(v.failed_rows)::integer as failed_rows,
       round(sum(v.failed_rows)::numeric / nullif(sum(v.evaluated_rows), 0), 3) as failure_rate,
       bool_and(v.success) as success,
       max(v.validated_at) as validated_at
from ops.validation_results v
join ops.runs r using (run_id)
group by v.run_id, r.dag_run_id, v.suite;

-- Counts only: the quarantined records themselves (raw text, reasons) stay in ops.
create view mart.quarantine_summary as
select (q.first_seen_at at time zone 'UTC')::date as first_seen_date, q.stage, q.source, q.reason_code,
       count(*)::integer as records,
       sum(q.seen_count)::integer as times_seen,
       max(q.last_seen_at) as last_seen_at
from ops.quarantine q
group by 1, q.stage, q.source, q.reason_code;

comment on view mart.data_quality is 'Great Expectations results per run and suite (articles, entity_mentions, quotes).';
comment on column mart.data_quality.run_id is 'Run key (mart.pipeline_health.run_id).';
comment on column mart.data_quality.dag_run_id is 'Airflow DAG run id.';
comment on column mart.data_quality.suite is 'GX expectation suite: articles, entity_mentions or quotes.';
comment on column mart.data_quality.batches is 'Batches the suite validated in the run.';
comment on column mart.data_quality.evaluated_rows is 'Rows validated.';
comment on column mart.data_quality.failed_rows is 'Rows that failed at least one expectation (quarantined, not loaded).';
comment on column mart.data_quality.failure_rate is 'failed_rows / evaluated_rows; null when nothing was validated.';
comment on column mart.data_quality.success is 'True when every batch passed every expectation of the suite.';
comment on column mart.data_quality.validated_at is 'When the last batch of the run was validated.';

comment on view mart.quarantine_summary is 'Quarantined records per day first seen, stage, source and reason (counts only).';
comment on column mart.quarantine_summary.first_seen_date is 'UTC date the records were first quarantined.';
comment on column mart.quarantine_summary.stage is 'Stage that quarantined them (discover, validate, ...).';
comment on column mart.quarantine_summary.source is 'Source of the records (or the table, for mentions and quotes).';
comment on column mart.quarantine_summary.reason_code is 'Machine-readable reason (e.g. expectations, too_large, not_utf8).';
comment on column mart.quarantine_summary.records is 'Distinct quarantined records.';
comment on column mart.quarantine_summary.times_seen is 'How often runs met those records again, first time included.';
comment on column mart.quarantine_summary.last_seen_at is 'When a run last met one of them.';
