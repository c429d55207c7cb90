"""The clients service's SQL, one module per aggregate (clients, contacts,
bank_accounts, assignments, contracts, service_records, feedback, reveal_log,
ledger_progress), plus `visibility` (a servicekit.visibility.Scope as WHERE
clauses) and `pages` (paging). Functions take the session and plain values and
return rows; the use cases decide what they mean."""
