"""What the ledger service accepts: request shapes and vocabularies."""
