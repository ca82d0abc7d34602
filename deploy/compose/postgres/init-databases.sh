#!/usr/bin/env bash
# First start of the postgres container (an empty data volume): a login and a database per service, each
# database owned by its service's login and closed to every other one. No service reads another's
# database (SPEC §2); here none can. Passwords come from the environment (.env), never from this file.
set -euo pipefail

for service in catalog enrolment valuation coupon notification; do
  variable="${service^^}_DB_PASSWORD"
  password="${!variable:?$variable is not set}"
  # psql variables (:"name" identifiers, :'password' literals) quote the values: no SQL is built by hand.
  psql --set=ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       --set=name="$service" --set=password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
