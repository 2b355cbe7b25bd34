"""Patient accounts: the patient side of the ledger, statements, payment plans."""
