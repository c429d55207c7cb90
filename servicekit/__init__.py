"""servicekit: the chassis every Suanpan service shares.

psycopg 3 blocks the whole eventlet hub on every query unless it waits with
select(), which eventlet patches; the choice is read once when psycopg is
imported, so it is set here, before any service module can import psycopg.
"""
import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
