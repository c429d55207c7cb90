import base64
import datetime as dt
import email
import email.policy
import ipaddress
import json
import logging
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from services.identity.domain.notify import (
    PURPOSE_REGISTER,
    PURPOSE_RESET_PASSWORD,
    new_device_login_email,
    password_changed_email,
    verification_code_email,
    verification_code_sms,
)
from services.identity.senders import (
    DevOutbox,
    DevOutboxSender,
    DevOutboxSmsSender,
    NotifyError,
    SmtpEmailSender,
    build_senders,
)

AT = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------- texts

def test_verification_email_text_is_chinese_then_english():
    subject, body = verification_code_email("123456", PURPOSE_REGISTER)
    assert subject == "算盘注册验证码 / Suanpan registration code"
    first, second = body.strip().splitlines()
    assert first.startswith("您的验证码是 123456，10分钟内有效。")
    assert second.startswith("Your verification code is 123456, valid for 10 minutes.")


def test_reset_and_sms_texts():
    subject, _ = verification_code_email("042917", PURPOSE_RESET_PASSWORD, ttl_minutes=5)
    assert "重置密码" in subject and "password reset" in subject
    text = verification_code_sms("042917", PURPOSE_RESET_PASSWORD)
    assert "042917" in text and "10分钟" in text and "10 minutes" in text
    with pytest.raises(ValueError):
        verification_code_email("1", "unknown")


def test_notice_texts():
    subject, body = new_device_login_email(AT, "203.0.113.7", "Chrome on Windows")
    assert "新设备" in subject and "2025-06-01 09:00 UTC" in body and "203.0.113.7" in body
    subject, body = password_changed_email(AT)
    assert "密码已修改" in subject and "Your password was changed" in body


# --------------------------------------------------------------------------- dev outbox

def test_dev_outbox_writes_one_json_line_per_message(tmp_path, caplog):
    path = tmp_path / "var" / "outbox" / "dev.jsonl"  # folder does not exist yet
    sender = DevOutboxSender(path, clock=lambda: AT)
    sms = DevOutboxSmsSender(path, clock=lambda: AT)
    with caplog.at_level(logging.INFO, logger="suanpan.identity.notify"):
        sender.send("zhang@example.com", "主题 / Subject", "正文 123456")
        sms.send("13800138000", "验证码 654321")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"at": "2025-06-01T09:00:00+00:00", "channel": "email", "to": "zhang@example.com",
         "subject": "主题 / Subject", "body": "正文 123456"},
        {"at": "2025-06-01T09:00:00+00:00", "channel": "sms", "to": "13800138000",
         "subject": None, "body": "验证码 654321"},
    ]
    assert "正文 123456" in lines[0]  # stored as UTF-8, readable
    assert any("123456" in record.getMessage() for record in caplog.records)
    assert DevOutbox(path).read()[1]["body"] == "验证码 654321"


def test_dev_outbox_lines_stay_whole_under_concurrency(tmp_path):
    outbox = DevOutbox(tmp_path / "o.jsonl")
    threads = [threading.Thread(target=lambda i=i: [outbox.write("email", f"u{i}@x.cn", "s", "b" * 500)
                                                      for _ in range(20)]) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outbox.read()) == 100


# --------------------------------------------------------------------------- build_senders

def test_build_senders_defaults_to_the_dev_outbox(tmp_path):
    path = tmp_path / "outbox.jsonl"
    senders = build_senders({"NOTIFY_DEV_OUTBOX": str(path)})
    assert isinstance(senders.email, DevOutboxSender) and isinstance(senders.sms, DevOutboxSmsSender)
    senders.email.send("a@b.cn", "s", "b")
    senders.sms.send("13800138000", "t")
    assert [r["channel"] for r in DevOutbox(path).read()] == ["email", "sms"]


def test_build_senders_smtp():
    senders = build_senders({"NOTIFY_EMAIL_BACKEND": "SMTP", "SMTP_HOST": "mail.example.com", "SMTP_PORT": "465",
                             "SMTP_USE_SSL": "true", "SMTP_USE_TLS": "false", "SMTP_USERNAME": "u",
                             "SMTP_PASSWORD": "p", "SMTP_FROM": "算盘 <noreply@example.com>"})
    email_sender = senders.email
    assert isinstance(email_sender, SmtpEmailSender)
    assert (email_sender.host, email_sender.port, email_sender.use_ssl, email_sender.use_tls) == \
        ("mail.example.com", 465, True, False)


@pytest.mark.parametrize("config, message", [
    ({"NOTIFY_EMAIL_BACKEND": "carrier-pigeon"}, "NOTIFY_EMAIL_BACKEND"),
    ({"NOTIFY_SMS_BACKEND": "aliyun"}, "NOTIFY_SMS_BACKEND"),
    ({"NOTIFY_EMAIL_BACKEND": "smtp"}, "SMTP_HOST"),
])
def test_build_senders_refuses_unknown_or_incomplete_settings(config, message):
    with pytest.raises(ValueError, match=message):
        build_senders(config)


# --------------------------------------------------------------------------- SMTP against a tiny server

class TinySmtpServer:
    """Enough SMTP (EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT) to test a client."""

    def __init__(self, tls_context=None, fail_auth=False):
        self.tls_context = tls_context
        self.fail_auth = fail_auth
        self.messages, self.auth = [], []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.listener.close()
        self.thread.join(timeout=5)

    def _serve(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self._tls_conn = None
        with conn:
            conn.settimeout(5)
            try:
                self._session(conn)
            except OSError:  # e.g. the client refused our certificate: the test checks that
                pass
            finally:
                if self._tls_conn is not None:
                    self._tls_conn.close()

    def _session(self, conn):
        reader = conn.makefile("rb")
        send = lambda line: conn.sendall(line.encode() + b"\r\n")  # noqa: E731
        send("220 tiny ESMTP")
        tls_on = False
        envelope = {}
        while True:
            line = reader.readline()
            if not line:
                return
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                extensions = ["250-tiny", "250-8BITMIME", "250-SMTPUTF8"]
                if self.tls_context and not tls_on:
                    extensions.append("250-STARTTLS")
                extensions.append("250 AUTH PLAIN LOGIN")
                for extension in extensions:
                    send(extension)
            elif verb == "STARTTLS":
                send("220 go ahead")
                conn = self._tls_conn = self.tls_context.wrap_socket(conn, server_side=True)
                reader = conn.makefile("rb")
                send = lambda line, c=conn: c.sendall(line.encode() + b"\r\n")  # noqa: E731
                tls_on = True
            elif verb == "AUTH":
                parts = command.split(" ")
                if parts[1].upper() == "PLAIN":
                    encoded = parts[2] if len(parts) > 2 else None
                    if encoded is None:
                        send("334 ")
                        encoded = reader.readline().decode().strip()
                    _, user, password = base64.b64decode(encoded).decode().split("\0")
                else:  # LOGIN
                    send("334 VXNlcm5hbWU6")
                    user = base64.b64decode(reader.readline().strip()).decode()
                    send("334 UGFzc3dvcmQ6")
                    password = base64.b64decode(reader.readline().strip()).decode()
                self.auth.append((user, password, tls_on))
                send("535 bad credentials" if self.fail_auth else "235 ok")
            elif verb == "MAIL":
                envelope = {"from": command, "rcpt": []}
                send("250 ok")
            elif verb == "RCPT":
                envelope["rcpt"].append(command)
                send("250 ok")
            elif verb == "DATA":
                send("354 end with .")
                data = b""
                while True:
                    chunk = reader.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk
                envelope["data"] = data
                envelope["tls"] = tls_on
                self.messages.append(envelope)
                send("250 queued")
            elif verb == "QUIT":
                send("221 bye")
                return
            else:
                send("250 ok")


@pytest.fixture
def tls_files(tmp_path):
    key = Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, None)
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def parse(envelope):
    return email.message_from_bytes(envelope["data"], policy=email.policy.default)


def test_smtp_sender_delivers_a_utf8_message():
    server = TinySmtpServer()
    try:
        sender = SmtpEmailSender("127.0.0.1", server.port, use_tls=False, from_addr="算盘 <noreply@suanpan.test>")
        subject, body = verification_code_email("123456", PURPOSE_REGISTER)
        sender.send("zhang@example.com", subject, body)
    finally:
        server.close()
    assert len(server.messages) == 1
    envelope = server.messages[0]
    assert "<noreply@suanpan.test>" in envelope["from"] and "<zhang@example.com>" in envelope["rcpt"][0]
    message = parse(envelope)
    assert message["Subject"] == subject
    assert message["To"] == "zhang@example.com"
    assert message["From"].addresses[0].display_name == "算盘"
    assert message["Message-ID"] and message["Date"]
    assert "您的验证码是 123456" in message.get_content()
    assert server.auth == []  # no username, no AUTH


def test_smtp_sender_starttls_and_login(tls_files):
    cert_path, key_path = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    client_context = ssl.create_default_context(cafile=str(cert_path))
    server = TinySmtpServer(tls_context=server_context)
    try:
        sender = SmtpEmailSender("127.0.0.1", server.port, username="mailer", password="s3cret", use_tls=True,
                                 from_addr="noreply@suanpan.test", ssl_context=client_context)
        sender.send("li@example.com", "主题", "正文")
    finally:
        server.close()
    assert server.auth == [("mailer", "s3cret", True)]  # credentials only after TLS
    assert server.messages[0]["tls"] is True
    assert parse(server.messages[0]).get_content().strip() == "正文"


def test_smtp_sender_refuses_an_untrusted_certificate(tls_files):
    cert_path, key_path = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    server = TinySmtpServer(tls_context=server_context)
    try:
        sender = SmtpEmailSender("127.0.0.1", server.port, username="mailer", password="s3cret",
                                 from_addr="noreply@suanpan.test", timeout=5)  # default trust store
        with pytest.raises(NotifyError):
            sender.send("li@example.com", "s", "b")
    finally:
        server.close()
    assert server.auth == [] and server.messages == []


def test_smtp_failures_become_notify_errors():
    server = TinySmtpServer(fail_auth=True)
    try:
        sender = SmtpEmailSender("127.0.0.1", server.port, username="u", password="wrong", use_tls=False,
                                 from_addr="noreply@suanpan.test")
        with pytest.raises(NotifyError) as caught:
            sender.send("li@example.com", "s", "b")
    finally:
        server.close()
    assert caught.value.code == "NOTIFY_FAILED" and caught.value.status == 503


def test_unreachable_smtp_server_is_a_notify_error():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    sender = SmtpEmailSender("127.0.0.1", port, use_tls=False, from_addr="noreply@suanpan.test", timeout=2)
    with pytest.raises(NotifyError):
        sender.send("li@example.com", "s", "b")
