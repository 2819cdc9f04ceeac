"""Reports drawn from the ledger."""
