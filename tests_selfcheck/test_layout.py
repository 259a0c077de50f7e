"""The library's parts depend on each other in one direction only, as the README's layout shows them: reaching the
cluster, then what differs per cluster and the evidence engine, then the kubia app, then reporting, then the
entry points. A module that imports from a later part (or a part that imports itself round) breaks the layout."""

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parent.parent / "kubia_conformance"
LAYERS = [
    {"timing", "verdicts", "timeouts", "options"},
    {"cluster"},
    {"backends", "evidence"},
    {"kubia"},
    {"report", "session"},
    {"plugin", "cleanup", "fleet"},
    {"cli"},
]
"""A part imports from earlier layers only: the parts of one layer are independent of each other."""


def part(module: str) -> str:
    return module.split(".")[1]


def imports() -> list[tuple[str, str, str]]:
    """(importing module's file, its part, the part it imports) for every import between the library's parts."""
    found = []
    for path in sorted(LIBRARY.rglob("*.py")):
        relative = path.relative_to(LIBRARY.parent)
        module = ".".join(relative.with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kubia_conformance"):
                names = [node.module] if "." in node.module else [f"kubia_conformance.{a.name}" for a in node.names]
                found += [(str(relative), part(module), part(name)) for name in names if part(name) != part(module)]
    return found


def layer(name: str) -> int:
    return next(i for i, members in enumerate(LAYERS) if name in members)


def test_every_part_is_in_a_layer():
    parts = {path.stem for path in LIBRARY.glob("*.py") if path.stem != "__init__"}
    parts |= {path.name for path in LIBRARY.iterdir() if (path / "__init__.py").exists()}
    unknown = sorted(parts - set().union(*LAYERS))
    assert not unknown, f"parts in no layer of this check: {', '.join(unknown)}"


def test_parts_import_only_from_earlier_layers():
    backwards = [
        f"{where} ({importer}) imports {imported}"
        for where, importer, imported in imports()
        if layer(imported) >= layer(importer)
    ]
    assert not backwards, "; ".join(backwards)
