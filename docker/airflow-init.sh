#!/bin/bash
# The one-shot init job of docker-compose.yml: Airflow metadata migrations, the admin user, then
# the warehouse migrations and role passwords. Every step is safe to repeat.
set -euo pipefail

airflow db migrate
# The pools the tasks use (one fetching run at a time, parses per core); re-importing updates them.
airflow pools import /opt/airflow/dags/pools.json

if airflow users list --output plain 2>/dev/null | awk '{print $2}' | grep -qx "$AIRFLOW_ADMIN_USER"; then
    echo "admin user $AIRFLOW_ADMIN_USER exists"
else
    airflow users create --role Admin --username "$AIRFLOW_ADMIN_USER" --password "$AIRFLOW_ADMIN_PASSWORD" \
        --firstname Admin --lastname User --email "${AIRFLOW_ADMIN_EMAIL:-admin@example.invalid}"
fi

python /opt/news/docker/warehouse_init.py
# The suites' Data Docs exist before the first run, so the data-docs service has a site to serve.
python -m pipeline datadocs
touch /tmp/airflow-init.done
