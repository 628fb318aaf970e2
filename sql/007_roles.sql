-- Two roles: news_loader (what the pipeline needs) and news_bi (read-only, mart only).
-- Roles are cluster-wide, so create them only when missing; passwords are set by operators
-- (ALTER ROLE ... PASSWORD), never here.
do $$
begin
    if not exists (select from pg_roles where rolname = 'news_loader') then
        create role news_loader nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'news_bi') then
        create role news_bi login;
    end if;
end
$$;

-- BI sessions cannot run away with the server.
alter role news_bi set statement_timeout = '60s';
alter role news_bi set default_transaction_read_only = on;

revoke all on schema raw, staging, core, ops, mart from public;
revoke create on schema public from public;

grant usage on schema raw, staging, core, ops, mart to news_loader;
grant select, insert, update, delete on all tables in schema raw, staging, core, ops to news_loader;
grant usage, select on all sequences in schema raw, staging, core, ops to news_loader;
grant select on all tables in schema mart to news_loader;

grant usage on schema mart to news_bi;
grant select on all tables in schema mart to news_bi;

-- Views added by later migrations (run by the same migrating role) are readable too.
alter default privileges in schema mart grant select on tables to news_bi, news_loader;
alter default privileges in schema raw, staging, core, ops
    grant select, insert, update, delete on tables to news_loader;
alter default privileges in schema raw, staging, core, ops grant usage, select on sequences to news_loader;
