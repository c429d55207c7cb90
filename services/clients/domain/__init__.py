"""The clients service's pure rules: check characters, masking, the encryption
contexts, the contract and feedback state machines, the monthly board, the
spreadsheet layout. No nameko, no database: unit-testable on their own."""
