"""The gateway ships no service code: no module under gateway/ (outside its tests)
imports `services`, and the Dockerfile's gateway image copies no services/. So a
change inside a service neither rebuilds nor redeploys the gateway."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "gateway"


def imported_modules(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def gateway_sources():
    return [path for path in GATEWAY.rglob("*.py") if "tests" not in path.relative_to(GATEWAY).parts]


def test_no_gateway_module_imports_services():
    sources = gateway_sources()
    assert len(sources) >= 5
    offenders = {str(path.relative_to(ROOT)): name for path in sources
                 for name in imported_modules(path.read_text(encoding="utf-8"))
                 if name == "services" or name.startswith("services.")}
    assert offenders == {}


def test_the_check_sees_an_import_of_services():
    assert list(imported_modules("import services.ledger\nfrom services.identity.domain import x\n")) == [
        "services.ledger", "services.identity.domain"]


def gateway_stage():
    lines, inside = [], False
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.upper().startswith("FROM "):
            inside = line.split()[-1] == "gateway"
            continue
        if inside and line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    return lines


def test_the_gateway_image_copies_no_service():
    copies = [line.split()[1] for line in gateway_stage() if line.upper().startswith("COPY ")]
    assert "gateway/" in copies
    assert not any(source.startswith("services") for source in copies), copies
    assert not any("services" in line for line in gateway_stage() if line.upper().startswith("RUN ")), gateway_stage()
