-- DEV ONLY. Runs once, when the PostgreSQL data volume is first initialised.
-- One login role and one database per service; no service can connect to
-- another service's database. Passwords match the dev secretGenerator in
-- ../../kustomization.yaml.
CREATE ROLE suanpan_identity LOGIN PASSWORD 'dev-only-identity-db-password';
CREATE DATABASE suanpan_identity OWNER suanpan_identity;
REVOKE ALL ON DATABASE suanpan_identity FROM PUBLIC;

CREATE ROLE suanpan_clients LOGIN PASSWORD 'dev-only-clients-db-password';
CREATE DATABASE suanpan_clients OWNER suanpan_clients;
REVOKE ALL ON DATABASE suanpan_clients FROM PUBLIC;

CREATE ROLE suanpan_ledger LOGIN PASSWORD 'dev-only-ledger-db-password';
CREATE DATABASE suanpan_ledger OWNER suanpan_ledger;
REVOKE ALL ON DATABASE suanpan_ledger FROM PUBLIC;

CREATE ROLE suanpan_reporting LOGIN PASSWORD 'dev-only-reporting-db-password';
CREATE DATABASE suanpan_reporting OWNER suanpan_reporting;
REVOKE ALL ON DATABASE suanpan_reporting FROM PUBLIC;

CREATE ROLE suanpan_tax LOGIN PASSWORD 'dev-only-tax-db-password';
CREATE DATABASE suanpan_tax OWNER suanpan_tax;
REVOKE ALL ON DATABASE suanpan_tax FROM PUBLIC;

CREATE ROLE suanpan_archive LOGIN PASSWORD 'dev-only-archive-db-password';
CREATE DATABASE suanpan_archive OWNER suanpan_archive;
REVOKE ALL ON DATABASE suanpan_archive FROM PUBLIC;
