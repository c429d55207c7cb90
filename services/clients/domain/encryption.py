"""Where each encrypted value belongs: the AES-GCM associated data of the sensitive
columns, so a ciphertext decrypts only in its own row and column (servicekit.crypto)."""


def id_number_context(client_id):
    return f"client:{client_id}:legal_rep_id_number"


def account_number_context(account_id):
    return f"bank_account:{account_id}:account_number"
