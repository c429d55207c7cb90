import shutil
import subprocess
import sys
import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from servicekit import migrate
from servicekit.tests.conftest import REPO_ROOT, new_database_name, url_for
from servicekit.tests.migrations_demo.demo_tables import metadata as demo_metadata

DEMO = Path(__file__).with_name("migrations_demo")
SERVICE = "kitdemo"


def table_names(url):
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def versions(url):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [v for (v,) in conn.execute(text(f"SELECT version_num FROM alembic_version_{SERVICE}"))]
    finally:
        engine.dispose()


def test_upgrade_creates_tables_and_the_service_version_table(make_database):
    url = make_database("mig")
    migrate.upgrade(SERVICE, url, script_location=DEMO)
    assert table_names(url) == {"widget", "outbox", "outbox_sequence", "inbox",
                                f"alembic_version_{SERVICE}"}
    assert versions(url) == ["0001"]

    # create_outbox_tables(op) builds exactly what outbox_tables(metadata) describes
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={
                "compare_type": True, "version_table": f"alembic_version_{SERVICE}"}),
                                    demo_metadata)
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("outbox")}
    finally:
        engine.dispose()
    assert diff == []
    assert "published_at IS NULL" in indexes["ix_outbox_unpublished"]["dialect_options"]["postgresql_where"]

    # running it again is a no-op
    migrate.upgrade(SERVICE, url, script_location=DEMO)
    assert versions(url) == ["0001"]


def test_two_concurrent_upgrades_both_succeed(database_names):
    # the database does not exist yet: both also race to create it
    name = new_database_name("race")
    database_names.append(name)
    url = url_for(name)
    errors = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            migrate.upgrade(SERVICE, url, create_db=True, script_location=DEMO)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert versions(url) == ["0001"]
    assert "widget" in table_names(url)


def test_create_database_tolerates_an_existing_one(database_names):
    name = new_database_name("create")
    database_names.append(name)
    assert migrate.create_database(url_for(name)) is True
    assert migrate.create_database(url_for(name)) is False


def test_downgrade_drops_the_outbox_tables(make_database):
    from alembic import command

    url = make_database("down")
    migrate.upgrade(SERVICE, url, script_location=DEMO)
    migrate._with_connection(SERVICE, url, DEMO, lambda cfg: command.downgrade(cfg, "base"))
    assert table_names(url) == {f"alembic_version_{SERVICE}"}


def test_cli_upgrades_with_create_database(database_names):
    name = new_database_name("cli")
    database_names.append(name)
    result = subprocess.run(
        [sys.executable, "-m", "servicekit.migrate", SERVICE, "--create-database",
         "--url", url_for(name), "--migrations", str(DEMO)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr
    assert versions(url_for(name)) == ["0001"]


def test_revision_uses_the_servicekit_template(tmp_path):
    location = tmp_path / "migrations"
    shutil.copytree(DEMO, location, ignore=shutil.ignore_patterns("__pycache__"))
    assert not (location / "script.py.mako").exists()
    script = migrate.revision(SERVICE, "add gadgets", script_location=location, url="postgresql://x@h/db")
    assert (location / "script.py.mako").exists()
    source = Path(script.path).read_text()
    assert 'down_revision: Union[str, Sequence[str], None] = \'0001\'' in source
    compile(source, script.path, "exec")


def test_init_scaffolds_a_service(tmp_path, monkeypatch):
    monkeypatch.setattr(migrate, "SERVICES_DIR", tmp_path)
    target = migrate.init("ledger")
    assert (target / "versions").is_dir()
    assert (target / "script.py.mako").exists()
    env = (target / "env.py").read_text()
    assert 'from services.ledger.tables import metadata' in env and 'run(metadata, "ledger")' in env
