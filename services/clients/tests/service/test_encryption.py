"""Sensitive values at rest: a dump of the clients database holds no plaintext ID
number or bank account number (not in the tables, not in the outbox), only
AES-GCM ciphertext and masked copies; and key rotation re-encrypts every value
under the new key while the service keeps working."""
import base64
import json
import os
import subprocess
import sys

from sqlalchemy import select

from scripts.platform import ROOT
from services.clients.tables import bank_accounts, clients
from services.clients.domain.encryption import account_number_context, id_number_context
from servicekit.crypto import FieldCipher

from .conftest import client_payload, new_account_number, new_id_number


def pg_dump(plat):
    url = plat.database_url("clients").replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(["pg_dump", "--data-only", "--no-owner", url], capture_output=True, text=True,
                          check=True).stdout


def make_client_with_secrets(rpc, actor):
    id_number, account = new_id_number(), new_account_number()
    spaced = " ".join(account[i:i + 4] for i in range(0, len(account), 4))
    client = rpc.clients("create_client", client_payload(
        legal_representative={"name": "赵法人", "id_number": id_number},
        bank_accounts=[{"bank": "招商银行", "account_number": spaced}]), context=actor.context())
    second_account = new_account_number()
    rpc.clients("add_bank_account", client["id"], {"bank": "建设银行", "account_number": second_account},
                context=actor.context())
    return client, id_number, [account, second_account]


def test_a_database_dump_holds_no_plaintext_id_or_account_number(rpc, clients_platform, clients_db, agency_a):
    client, id_number, accounts = make_client_with_secrets(rpc, agency_a.admin)
    new_number = new_id_number()
    rpc.clients("update_client", client["id"], {"version": 2, "legal_representative": {"id_number": new_number}},
                context=agency_a.admin.context())
    dump = pg_dump(clients_platform)
    assert client["id"] in dump and client["credit_code"] in dump  # the dump does hold the client
    for secret in [id_number, new_number, *accounts]:
        assert secret not in dump, secret
        assert secret[4:-4] not in dump  # nor its hidden middle
    assert new_number[:4] + "**********" + new_number[-4:] in dump  # the masked copy is stored for display
    with clients_db.connect() as conn:
        row = conn.execute(select(clients).where(clients.c.id == client["id"])).one()
        stored = [row.legal_rep_id_number] + [r.account_number for r in conn.execute(
            select(bank_accounts).where(bank_accounts.c.client_id == client["id"]))]
    assert all(value.startswith("v1.") and len(value.split(".")) == 3 for value in stored)
    # the service itself shows them masked only
    shown = rpc.clients("get_client", client["id"], context=agency_a.admin.context())
    assert shown["legal_representative"]["id_number_masked"] == new_number[:4] + "*" * 10 + new_number[-4:]
    assert all("*" in b["account_number_masked"] for b in shown["bank_accounts"])
    assert new_number not in json.dumps(shown, ensure_ascii=False)


def test_a_ciphertext_copied_into_another_row_does_not_decrypt(rpc, clients_db, agency_a, clients_platform):
    one, number_one, _ = make_client_with_secrets(rpc, agency_a.admin)
    two, _, _ = make_client_with_secrets(rpc, agency_a.admin)
    cipher = FieldCipher.from_setting(clients_platform.secrets.field_keys())
    with clients_db.connect() as conn:
        stored = conn.execute(select(clients.c.legal_rep_id_number).where(clients.c.id == one["id"])).scalar()
    assert cipher.decrypt(stored, id_number_context(one["id"])) == number_one
    try:
        cipher.decrypt(stored, id_number_context(two["id"]))
    except Exception as exc:  # noqa: BLE001 - cryptography's InvalidTag
        assert type(exc).__name__ == "InvalidTag"
    else:
        raise AssertionError("a ciphertext decrypted under another row's associated data")


def run_reencrypt(plat, keys, *args):
    env = dict(os.environ, FIELD_ENCRYPTION_KEYS=keys, DATABASE_URL=plat.database_url("clients"),
               PYTHONPATH=str(ROOT), PSYCOPG_WAIT_FUNC="wait_select")
    done = subprocess.run([sys.executable, "-m", "services.clients.reencrypt", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_key_rotation_re_encrypts_everything_under_the_new_key(rpc, clients_platform, clients_db, agency_a):
    client, id_number, accounts = make_client_with_secrets(rpc, agency_a.admin)
    old_keys = clients_platform.secrets.field_keys()
    new_keys = "rot" + os.urandom(3).hex() + ":" + base64.b64encode(os.urandom(32)).decode() + "," + old_keys
    new_kid = new_keys.split(":", 1)[0]

    before = run_reencrypt(clients_platform, new_keys, "--dry-run")
    assert before["key"] == new_kid
    assert before["stale"]["clients.legal_rep_id_number"] >= 1 and before["stale"]["bank_accounts.account_number"] >= 2
    done = run_reencrypt(clients_platform, new_keys, "--batch-size", "3")
    assert done["re_encrypted"] == before["stale"]
    assert run_reencrypt(clients_platform, new_keys, "--dry-run")["stale"] == {
        "clients.legal_rep_id_number": 0, "bank_accounts.account_number": 0}

    # every value is now under the new key and decrypts with the new key alone
    only_new = FieldCipher.from_setting(new_keys.split(",")[0])
    with clients_db.connect() as conn:
        rows = conn.execute(select(clients.c.id, clients.c.legal_rep_id_number)
                            .where(clients.c.legal_rep_id_number.is_not(None))).all()
        accounts_rows = conn.execute(select(bank_accounts.c.id, bank_accounts.c.account_number,
                                            bank_accounts.c.client_id)).all()
    assert all(r.legal_rep_id_number.split(".")[1] == new_kid for r in rows)
    assert {r.id: only_new.decrypt(r.legal_rep_id_number, id_number_context(r.id)) for r in rows}[client["id"]] == id_number
    mine = sorted(only_new.decrypt(r.account_number, account_number_context(r.id)) for r in accounts_rows
                  if r.client_id == client["id"])
    assert mine == sorted(accounts)

    # the service, restarted with the new key list, reveals and writes under the new key
    (clients_platform.var / "secrets" / "field_encryption_keys").write_text(new_keys)
    clients_platform.stop("clients")
    clients_platform.start("clients")
    clients_platform.wait_ready("clients", timeout=60)
    shown = rpc.clients("reveal_legal_representative", client["id"], {}, context=agency_a.admin.context())
    assert shown["id_number"] == id_number
    fresh, fresh_number, _ = make_client_with_secrets(rpc, agency_a.admin)
    with clients_db.connect() as conn:
        stored = conn.execute(select(clients.c.legal_rep_id_number).where(clients.c.id == fresh["id"])).scalar()
    assert stored.split(".")[1] == new_kid and only_new.decrypt(stored, id_number_context(fresh["id"])) == fresh_number
