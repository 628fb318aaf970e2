#!/bin/bash
# Runs once, on the first start of the postgres service (empty data volume), as its superuser.
# Airflow's metadata and the warehouse get separate databases and separate users: `airflow` owns
# only the metadata database; the warehouse's roles (news_loader, news_bi) are created by the
# warehouse migrations and get their passwords from the airflow-init job.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v airflow_password="$AIRFLOW_DB_PASSWORD" <<'SQL'
create role airflow login password :'airflow_password';
create database airflow owner airflow;
create database warehouse;
-- Nobody but the roles granted below (and the superuser) may connect to the warehouse.
revoke connect, temporary on database warehouse from public;
SQL
