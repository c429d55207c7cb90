"""`make run`: set up and start the whole platform locally with a demo agency.

Checks PostgreSQL and RabbitMQ, creates one database per service and migrates it,
starts a local S3 server when no MinIO endpoint is configured, starts every built
service and the gateway as separate processes, seeds the demo agency and its demo
books (scripts/demo_books.py, through the API), and prints where to go. Ctrl-C
stops every process. Running it again is harmless.
"""
import os
import signal
import subprocess
import sys
import time

from . import check_deps, demo_books
from .platform import ROOT, SERVICES, VENV_BIN, Platform

DEFAULT_ADMIN_EMAIL = "admin@demo.suanpan.cn"
DEFAULT_ADMIN_PASSWORD = "Suanpan@2026demo"


def start_local_s3(var):
    """archive keeps documents in S3; without S3_ENDPOINT we run moto's S3 server."""
    if os.environ.get("S3_ENDPOINT"):
        return None
    port = int(os.environ.get("LOCAL_S3_PORT", "9000"))
    if check_deps.reachable("127.0.0.1", port):
        print(f"• 本地 S3 已在运行 / local S3 already listening on 127.0.0.1:{port}")
        return None
    log = open(var / "log" / "s3.log", "ab")
    proc = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    print(f"• 本地 S3 服务 / local S3 server (moto) on http://127.0.0.1:{port}")
    return proc


def main():
    found = check_deps.problems()
    if found:
        for problem in found:
            print("✗ " + problem, file=sys.stderr)
        sys.exit(1)
    admin_email = os.environ.get("SUANPAN_ADMIN_EMAIL", DEFAULT_ADMIN_EMAIL)
    admin_password = os.environ.get("SUANPAN_ADMIN_PASSWORD", DEFAULT_ADMIN_PASSWORD)

    platform = Platform(var_dir=ROOT / "var")
    print("• 数据库迁移 / migrating databases …")
    platform.migrate()
    s3 = start_local_s3(platform.var)

    def shutdown(*_):
        print("\n• 正在停止 / stopping …")
        platform.stop_all()
        if s3 is not None:
            s3.terminate()
            s3.wait(10)
        sys.exit(0)

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)

    for spec in SERVICES:
        platform.start(spec.name)
    for spec in SERVICES:
        platform.wait_ready(spec.name)

    seed_env = platform.env("identity")
    seed_env.update(SUANPAN_ADMIN_EMAIL=admin_email, SUANPAN_ADMIN_PASSWORD=admin_password)
    subprocess.run([sys.executable, "-m", "services.identity.seed"], cwd=ROOT, env=seed_env, check=True)

    gateway = platform.url("gateway")
    demo = demo_books.main(gateway, admin_email, admin_password)
    books_hint = ""
    if demo is not None:
        client_id, period = demo
        books_hint = (
            f"\n 演示账套 Demo book:  {demo_books.DEMO_CLIENT}, 会计 accountant {demo_books.DEMO_ACCOUNTANT}"
            " (same password)\n 科目余额表 Trial balance:\n"
            f"   curl -s '{gateway}/api/v1/clients/{client_id}/trial-balance?period={period}'"
            ' -H "Authorization: Bearer $TOKEN"')
    shown_password = admin_password if admin_password == DEFAULT_ADMIN_PASSWORD else "(SUANPAN_ADMIN_PASSWORD)"
    print(f"""
================================================================
 算盘 Suanpan 已启动 / is running
 网关 Gateway:   {gateway}/api/v1   (OpenAPI: {gateway}/api/v1/openapi.json)
 演示管理员 Demo admin:  {admin_email}
 密码 Password:          {shown_password}
 登录 Sign in:
   curl -s -X POST {gateway}/api/v1/auth/login -H 'Content-Type: application/json' \\
        -d '{{"login": "{admin_email}", "password": "<password>"}}'
 登录后 After signing in: TOKEN=<access_token>{books_hint}
 验证码等开发邮件 Dev messages (codes): {platform.dev_outbox()}
 日志 Logs: {platform.var / 'log'}/    按 Ctrl-C 停止 / Ctrl-C stops everything
================================================================
""", flush=True)
    while True:
        for name, proc in list(platform.processes.items()):
            if proc.poll() is not None:
                print(f"✗ {name} exited ({proc.returncode}); see var/log/{name}.log — stopping", file=sys.stderr)
                shutdown()
        time.sleep(1)


if __name__ == "__main__":
    main()
