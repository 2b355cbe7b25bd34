#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
# one login role and one database per service; a role may connect only to its own
# database. Mirrors pg_provision() in deploy/stack.py.
set -e

for name in eligibility claims remittance denials patients; do
    upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
    password=$(printenv "RCM_${upper}_DB_PASSWORD" || echo "rcm_${name}_dev")
    psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
        -v db="rcm_${name}" -v pw="$password" <<'SQL'
CREATE ROLE :"db" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"db";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"db";
SQL
done

# Nor to the maintenance databases, which PUBLIC may connect to by default.
psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
    -c 'REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC'
