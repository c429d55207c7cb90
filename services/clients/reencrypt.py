"""Re-encrypt the clients service's sensitive columns under the current key.

Key rotation: put a new key FIRST in FIELD_ENCRYPTION_KEYS ("new:…,old:…"), restart
the service (new writes use the new key, old rows still decrypt with the old one),
then run

    python -m services.clients.reencrypt            # DATABASE_URL, FIELD_ENCRYPTION_KEYS from the environment
    python -m services.clients.reencrypt --dry-run  # only count what would change

and, once it reports nothing left, drop the old key. Safe while the service runs:
rows are taken in small batches with FOR UPDATE SKIP LOCKED and each batch commits
on its own, so a crash leaves every row readable and a second run finishes the job.
"""
import argparse
import json
import logging
import sys

from sqlalchemy import func, select, update

from servicekit.config import setting
from servicekit.crypto import FieldCipher
from servicekit.db import make_engine

from .tables import bank_accounts, clients
from .domain.encryption import account_number_context, id_number_context

log = logging.getLogger(__name__)

# (table, encrypted column, associated data for a row id)
COLUMNS = (
    (clients, "legal_rep_id_number", id_number_context),
    (bank_accounts, "account_number", account_number_context),
)


def current_kid(cipher):
    return cipher.encrypt("", "probe").split(".", 2)[1]


def _stale(table, column, kid):
    value = table.c[column]
    return [value.is_not(None), func.split_part(value, ".", 2) != kid]


def count_stale(engine, cipher):
    kid = current_kid(cipher)
    with engine.connect() as conn:
        return {f"{table.name}.{column}": conn.execute(select(func.count()).select_from(table)
                                                       .where(*_stale(table, column, kid))).scalar()
                for table, column, _ in COLUMNS}


def reencrypt(engine, cipher, batch_size=500):
    """Re-encrypt every value not under the current key; returns counts per column."""
    kid = current_kid(cipher)
    done = {}
    for table, column, context in COLUMNS:
        count = 0
        while True:
            with engine.begin() as conn:
                rows = conn.execute(select(table.c.id, table.c[column]).where(*_stale(table, column, kid))
                                    .limit(batch_size).with_for_update(skip_locked=True)).all()
                for row in rows:
                    conn.execute(update(table).where(table.c.id == row.id).values(
                        {column: cipher.re_encrypt(row[1], context(row.id))}))
            count += len(rows)
            if len(rows) < batch_size:
                break
        done[f"{table.name}.{column}"] = count
        log.info("re-encrypted %d values of %s.%s under key %s", count, table.name, column, kid)
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.clients.reencrypt", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="database URL (default: $DATABASE_URL)")
    parser.add_argument("--dry-run", action="store_true", help="count the values not under the current key")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = args.url or setting("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/suanpan_clients")
    engine = make_engine(url, pool_size=1, max_overflow=0)
    cipher = FieldCipher.from_setting()
    try:
        result = count_stale(engine, cipher) if args.dry_run else reencrypt(engine, cipher, args.batch_size)
    finally:
        engine.dispose()
    print(json.dumps({"key": current_kid(cipher), "dry_run": args.dry_run,
                      ("stale" if args.dry_run else "re_encrypted"): result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
