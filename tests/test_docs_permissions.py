"""docs/permissions.md shows exactly the permission matrix the code enforces
(servicekit.auth.PERMISSIONS) and the roles it knows (servicekit.auth.ROLES)."""
from pathlib import Path

import pytest

from servicekit.auth import PERMISSIONS, ROLES

DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
TICK = "✓"


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def matrix_table():
    """(role columns, {permission: set of ticked roles}, [permission in document order])."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        cells = _cells(line) if line.lstrip().startswith("|") else []
        if cells and cells[0].lower() == "permission":
            header = cells
            break
    else:
        pytest.fail("docs/permissions.md has no table whose first column is 'permission'")
    roles = [cell for cell in header[1:] if cell in ROLES]
    role_columns = {cell: position for position, cell in enumerate(header) if cell in ROLES}
    assert set(_cells(lines[index + 1])[0]) <= set("-: "), "the header row must be followed by |---|"
    matrix, order = {}, []
    for line in lines[index + 2:]:
        if not line.lstrip().startswith("|"):
            break  # end of the table
        cells = _cells(line)
        assert len(cells) == len(header), f"row has {len(cells)} cells, header has {len(header)}: {line}"
        permission = cells[0].strip("`")
        for role, position in role_columns.items():
            assert cells[position] in ("", TICK), f"{permission}/{role}: unexpected cell {cells[position]!r}"
        order.append(permission)
        matrix[permission] = {role for role, position in role_columns.items() if cells[position] == TICK}
    return roles, matrix, order


def test_columns_are_the_roles():
    roles, _, _ = matrix_table()
    assert roles == list(ROLES)  # every role, once, in the code's order


def test_matrix_matches_the_code_exactly():
    _, matrix, order = matrix_table()
    assert len(order) == len(set(order)), "a permission is listed twice"
    assert set(matrix) == set(PERMISSIONS)
    for permission, roles in PERMISSIONS.items():
        assert matrix[permission] == roles, permission


def test_every_row_says_what_it_allows():
    header = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            continue
        cells = _cells(line)
        if cells[0].lower() == "permission":
            header = cells
            continue
        if header and cells[0].startswith("`"):
            extra = [cell for position, cell in enumerate(cells) if position and header[position] not in ROLES]
            assert all(extra), f"empty description for {cells[0]}"


def test_roles_line_names_every_role_with_its_labels():
    text = DOC.read_text(encoding="utf-8")
    for role, (zh, en) in ROLES.items():
        assert f"`{role}` {zh} ({en})" in text, role
