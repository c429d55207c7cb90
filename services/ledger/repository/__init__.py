"""The ledger's SQL that more than one use case runs, one module per aggregate:

    books.py      a book's state as vouchers see it (share-locked), its period rows
    accounts.py   the accounts and aux items a voucher names, as the voucher checks want them
    vouchers.py   voucher rows: lock one, number, insert many, mark reviewed/posted
    balances.py   period_balances and daily_balances: the posting upsert

A use case's own one-off queries stay in the use case. Nothing here decides a
rule (domain/ does); where a statement enforces one for speed, it names it."""
