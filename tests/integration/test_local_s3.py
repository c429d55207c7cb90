"""The local S3 server `make run` starts (moto) speaks what archive will need through
the minio SDK: buckets, versioned objects, reads back byte for byte."""
import io
import time

from minio import Minio
from minio.commonconfig import ENABLED
from minio.versioningconfig import VersioningConfig

from scripts import check_deps
from scripts.run import start_local_s3


def test_local_s3_server_works_with_the_minio_sdk(tmp_path, monkeypatch):
    monkeypatch.delenv("S3_ENDPOINT", raising=False)
    monkeypatch.setenv("LOCAL_S3_PORT", "19900")
    (tmp_path / "log").mkdir()
    proc = start_local_s3(tmp_path)
    try:
        deadline = time.time() + 30
        while time.time() < deadline and not check_deps.reachable("127.0.0.1", 19900):
            time.sleep(0.2)
        client = Minio("127.0.0.1:19900", access_key="test", secret_key="test", secure=False)
        client.make_bucket("suanpan-archive")
        client.set_bucket_versioning("suanpan-archive", VersioningConfig(ENABLED))
        content = "记账凭证 第1号 收到货款 1000.00".encode()
        first = client.put_object("suanpan-archive", "a/1.txt", io.BytesIO(content), len(content))
        client.put_object("suanpan-archive", "a/1.txt", io.BytesIO(b"v2"), 2)
        assert client.get_object("suanpan-archive", "a/1.txt", version_id=first.version_id).read() == content
        assert client.get_object("suanpan-archive", "a/1.txt").read() == b"v2"
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
