#!/bin/bash
# Runs once, on the first start of the postgres service: the warehouse gets its own database and role.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v loader_password="$WAREHOUSE_PASSWORD" <<'SQL'
create role warehouse_loader login password :'loader_password';
create database warehouse owner warehouse_loader;
SQL
