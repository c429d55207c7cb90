"""Verify every agency's audit chain (or one): `python -m services.identity.audit_verify [--agency ID]`.
Exits 1 when any chain is broken, printing where."""
import argparse
import os
import sys

from servicekit.db import make_engine, session_scope

from .repository.audit import chained_agencies, verify_agency


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify the audit log hash chains")
    parser.add_argument("--agency", help="only this agency id")
    parser.add_argument("--url", default=os.environ.get(
        "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/suanpan_identity"))
    args = parser.parse_args(argv)
    engine = make_engine(args.url, pool_size=1, max_overflow=0)
    broken = 0
    with session_scope(engine) as session:
        agencies = [args.agency] if args.agency else chained_agencies(session)
        for agency_id in agencies:
            result = verify_agency(session, agency_id)
            if result["ok"]:
                print(f"OK      {agency_id}  {result['checked']} entries")
            else:
                broken += 1
                print(f"BROKEN  {agency_id}  at seq {result['first_bad_seq']}: {result['reason']} {result['detail']}")
    engine.dispose()
    print(f"{len(agencies)} chain(s) checked, {broken} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
