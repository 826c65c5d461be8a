"""The shape of the code, read from its import statements with ``ast``.

The layers, from the bottom: ``models`` (with the few modules it stands on), ``services``
(queries and rules), ``forms``, the request layer (``web``, ``access``, ``downloads``,
``journeys``...) and the views on top, one module per area, the back office in
``views/staff``. An import may only go down; the rules below say where it most matters.
Imports inside functions count as much as those at the top of a module."""

import ast
from pathlib import Path

import pytest

import portal

PACKAGE = Path(portal.__file__).parent

# What models.py may stand on: modules that import nothing of the portal themselves.
BELOW_MODELS = {"portal.clock", "portal.config", "portal.extensions"}

# The request layer: services are called from it, and never call it.
REQUEST_LAYER = {
    "portal",
    "portal.access",
    "portal.assets",
    "portal.bank_id",
    "portal.cli",
    "portal.csrf_tokens",
    "portal.downloads",
    "portal.fragments",
    "portal.journeys",
    "portal.layout",
    "portal.links",
    "portal.security",
    "portal.serving",
    "portal.sessions",
    "portal.web",
    "portal.workers",
}

# Query building in a view: a view asks a service for its rows instead. The first
# set are names only a query has; the second are also a dict's or a list's, so they count
# when called on a class (``Person.update(...)``), which is how a model is written to.
QUERY_METHODS = {
    "select",
    "where",
    "join",
    "switch",
    "execute",
    "get_or_none",
    "get_by_id",
    "get_or_create",
    "insert_many",
    "delete_instance",
    "atomic",
}
MODEL_METHODS = {"get", "update", "insert", "delete", "create"}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package except the migrations (they are run, never imported)."""
    return {
        module_name(path, package): path
        for path in sorted(package.rglob("*.py"))
        if "migrations" not in path.relative_to(package).parts
    }


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The portal modules a module imports, anywhere in it; ``from portal.x import y``
    counts as importing ``portal.x.y`` when that is a module, else ``portal.x``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    root = name.split(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".") if is_package else name.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == root or target.startswith(root + "."):
                # "import portal.services.mail" names its module; keep the longest known prefix.
                while target not in known and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in known and target != name:
                    found.add(target)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = read_modules(package)
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def is_package(name: str, package: Path = PACKAGE) -> bool:
    return (package.parent / name.replace(".", "/") / "__init__.py").is_file()


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: strongly connected parts of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def view_to_view(graph, package: Path = PACKAGE) -> list[str]:
    """A view module importing another view module. The packages' ``__init__`` register
    the blueprints, so they may import the modules directly inside them, and only those."""
    wrong = []
    for name, targets in graph.items():
        if not is_under(name, "portal.views"):
            continue
        for target in sorted(targets):
            if not is_under(target, "portal.views"):
                continue
            registers = is_package(name, package) and target.rsplit(".", 1)[0] == name
            if not registers:
                wrong.append(f"{name} imports {target}")
    return wrong


def services_upward(graph) -> list[str]:
    return [
        f"{name} imports {target}"
        for name, targets in graph.items()
        if is_under(name, "portal.services")
        for target in sorted(targets)
        if is_under(target, "portal.views")
        or is_under(target, "portal.forms")
        or target in REQUEST_LAYER
    ]


def forms_upward(graph) -> list[str]:
    return [
        f"{name} imports {target}"
        for name, targets in graph.items()
        if is_under(name, "portal.forms")
        for target in sorted(targets)
        if is_under(target, "portal.views") or target in REQUEST_LAYER
    ]


def models_upward(graph) -> list[str]:
    return [
        f"portal.models imports {target}"
        for target in sorted(graph.get("portal.models", ()))
        if target not in BELOW_MODELS
    ]


def queries_in(path: Path) -> list[str]:
    """Calls that build or run a query (and imports of peewee) in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            names = []
        if any(name.split(".")[0] == "peewee" for name in names):
            found.append(f"line {node.lineno}: imports peewee")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, node.func.value
            on_class = isinstance(receiver, ast.Name) and receiver.id[:1].isupper()
            on_text = isinstance(receiver, ast.Constant)  # " ".join(words) is no query
            if (method in QUERY_METHODS and not on_text) or (method in MODEL_METHODS and on_class):
                found.append(f"line {node.lineno}: .{method}()")
    return found


def view_queries(package: Path = PACKAGE) -> list[str]:
    return [
        f"{module_name(path, package)} {found}"
        for path in sorted((package / "views").rglob("*.py"))
        for found in sorted(queries_in(path))
    ]


GRAPH = import_graph()


def test_the_graph_is_read():
    """The reader sees the imports it must see: a rule over an empty graph passes anything."""
    assert "portal.services.mail" in GRAPH["portal.services.defects"]
    assert "portal.views.staff.defects" in GRAPH["portal.views.staff"]
    assert "portal.downloads" in GRAPH["portal.views.staff.defects"]
    # An import inside a function counts too.
    assert "portal.workers" in GRAPH["portal"]
    assert len(GRAPH) > 80


def test_no_view_imports_another_view():
    assert view_to_view(GRAPH) == []


def test_services_import_no_view_form_or_request_layer():
    assert services_upward(GRAPH) == []


def test_forms_import_no_view_or_request_layer():
    assert forms_upward(GRAPH) == []


def test_models_import_nothing_above_them():
    assert models_upward(GRAPH) == []


def test_no_import_cycles():
    assert cycles(GRAPH) == []


def test_views_leave_queries_to_services():
    """A view picks the form, calls a service and renders: no query of its own."""
    assert view_queries() == []


def test_every_staff_area_is_registered_from_its_package():
    from portal.views import staff

    areas = {
        module_name(path)
        for path in (PACKAGE / "views" / "staff").glob("*.py")
        if path.name != "__init__.py"
    }
    assert {area.__name__ for area in staff.AREAS} == areas


# The rules are tried on a small package of their own, so that each is seen to fail.
BROKEN = {
    "portal/__init__.py": "",
    "portal/clock.py": "",
    "portal/web.py": "",
    "portal/models.py": "from portal import clock\nfrom portal.services import mail\n",
    "portal/forms/__init__.py": "",
    "portal/forms/notes.py": "from portal import web\n",
    "portal/services/__init__.py": "",
    "portal/services/mail.py": "def later():\n    from portal.views import home\n",
    "portal/services/notices.py": "from portal.forms import notes\nfrom . import mail\n",
    "portal/views/__init__.py": "from portal.views import home, staff\n",
    "portal/views/home.py": "from portal.services import notices\n",
    "portal/views/staff/__init__.py": "from portal.views.staff import desk\n",
    "portal/views/staff/desk.py": (
        "from peewee import fn\nfrom portal.models import Person\n"
        "from portal.views.home import bp\n\n"
        "def rows(values):\n    values.update(seen=True)\n    title = ' '.join(values)\n"
        "    Person.update(seen=True).execute()\n"
        "    return Person.select(fn.COUNT(Person.id))\n"
    ),
}


@pytest.fixture
def broken(tmp_path):
    for name, text in BROKEN.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "portal"


def test_each_rule_catches_its_violation(broken):
    graph = import_graph(broken)
    assert graph["portal.services.notices"] == {
        "portal.forms.notes",
        "portal.services.mail",
    }
    assert view_to_view(graph, broken) == [
        "portal.views.staff.desk imports portal.views.home",
    ]
    assert services_upward(graph) == [
        "portal.services.mail imports portal.views.home",
        "portal.services.notices imports portal.forms.notes",
    ]
    assert forms_upward(graph) == ["portal.forms.notes imports portal.web"]
    assert models_upward(graph) == ["portal.models imports portal.services.mail"]
    assert cycles(graph) == [
        ["portal.services.mail", "portal.services.notices", "portal.views.home"],
    ]
    assert view_queries(broken) == [
        "portal.views.staff.desk line 1: imports peewee",
        "portal.views.staff.desk line 8: .execute()",
        "portal.views.staff.desk line 8: .update()",
        "portal.views.staff.desk line 9: .select()",
    ]
