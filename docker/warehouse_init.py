"""Init job, warehouse part: apply sql/ migrations as the warehouse admin, then let the pipeline's
loader role and the read-only BI role log in with the passwords from the environment.

Rerunning it is safe and is how passwords are rotated: set the new value, run airflow-init again.
"""

from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql

from pipeline.load.migrate import migrate

# role -> environment variable holding its password
LOGIN_ROLES = {"news_loader": "WAREHOUSE_LOADER_PASSWORD", "news_bi": "WAREHOUSE_BI_PASSWORD"}


def main() -> int:
    dsn = os.environ.get("WAREHOUSE_ADMIN_DSN")
    if not dsn:
        print("warehouse_init: WAREHOUSE_ADMIN_DSN is not set", file=sys.stderr)
        return 1
    missing = [var for var in LOGIN_ROLES.values() if not os.environ.get(var)]
    if missing:
        print(f"warehouse_init: {', '.join(missing)} not set", file=sys.stderr)
        return 1
    applied = migrate(dsn)
    print(f"warehouse migrations applied: {', '.join(applied) if applied else 'none pending'}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        database = conn.info.dbname
        for role, var in LOGIN_ROLES.items():
            conn.execute(sql.SQL("alter role {} with login password {}").format(
                sql.Identifier(role), sql.Literal(os.environ[var])))
            conn.execute(sql.SQL("grant connect on database {} to {}").format(
                sql.Identifier(database), sql.Identifier(role)))
            print(f"role {role}: login enabled, password set from {var}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
