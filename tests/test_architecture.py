"""Scans of the package's source: rules that hold for every module, present and future.

- Only diaspora/unit_of_work.py commits or rolls back (migrations live outside the package); a command runs
  in one unit of work, unless it is long-running work that takes short transactions, and only such work does.
- No import cycle between modules of diaspora/, counting imports inside functions; no feature imports a
  feature above it (they hear from each other through diaspora.signals).
- A view that catches a domain error does so around `attempt()`, so what the service wrote is not committed."""
import ast
import importlib
import itertools
import pkgutil
from pathlib import Path

import diaspora
from diaspora.errors import DomainError

PACKAGE = Path(diaspora.__file__).resolve().parent
UNIT_OF_WORK = PACKAGE / "unit_of_work.py"


def _modules() -> dict[str, Path]:
    """diaspora.* module name -> file (a package by its __init__.py)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', '?')}"


def commits_and_rollbacks(tree: ast.AST) -> list[ast.Call]:
    """Every call of a .commit() or .rollback() method, whatever it is called on."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")]


def test_only_the_unit_of_work_commits_or_rolls_back():
    calls = []
    for path in MODULES.values():
        if path != UNIT_OF_WORK:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            calls += [f"{_where(path, node)}: .{node.func.attr}()" for node in commits_and_rollbacks(tree)]
    assert not calls, "commit/rollback outside diaspora/unit_of_work.py:\n" + "\n".join(calls)


def test_the_scan_sees_a_commit_wherever_it_hides():
    source = "def f():\n    with x:\n        db.session.commit()\n    conn.rollback()\n    session().commit()\n"
    assert sorted(call.lineno for call in commits_and_rollbacks(ast.parse(source))) == [3, 4, 5]


# Long-running work: short transactions (unit_of_work.transaction) instead of one unit.
LONG_RUNNING = {"diaspora.worker", "diaspora.jobs", "diaspora.mail.outbox", "diaspora.directory.transfer"}
# Commands that are long-running work, or touch no database of the app's (the gazetteer is a file of its own).
OWN_TRANSACTIONS = {"worker", "send-mail", "import-organizations", "build-gazetteer"}


def _calls_of(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and (getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)]


def test_only_long_running_work_takes_short_transactions():
    found = []
    for module, path in MODULES.items():
        if module not in LONG_RUNNING and path != UNIT_OF_WORK:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            found += [_where(path, node) for node in _calls_of(tree, "transaction")]
    assert not found, "transaction() outside long-running work (a view or a command is one unit):\n" + "\n".join(found)


def test_each_command_is_one_unit_of_work():
    outside, seen = [], []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.FunctionDef):
                continue
            decorators = [ast.unparse(decorator) for decorator in node.decorator_list]
            command = next((d for d in decorators if d.startswith("click.command(")), None)
            if command is None or ast.literal_eval(command[len("click.command("):-1]) in OWN_TRANSACTIONS:
                continue
            seen.append(node.name)
            if "unit_of_work()" not in decorators:
                outside.append(f"{_where(path, node)}: {command}")
    assert "create_admin" in seen and "send_reminders" in seen  # the scan finds the commands
    assert not outside, "commands without @unit_of_work():\n" + "\n".join(outside)


# --- imports ----------------------------------------------------------------------------------------

def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of import nodes under `if TYPE_CHECKING:` (they never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return skipped


def _target(name: str) -> str | None:
    """The diaspora module an import of `name` runs: the module itself, or the one defining the name."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> dict[str, int]:
    """diaspora modules `module` imports (anywhere in it) -> the line of the first such import.

    `from diaspora import mail` imports the submodule diaspora.mail, not the package root's create_app; an
    import of the root itself (`import diaspora`) counts as an edge to `diaspora`."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = _type_checking_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        for name in names:
            target = _target(name) if name == "diaspora" or name.startswith("diaspora.") else None
            if target and target != module:
                found.setdefault(target, node.lineno)
    return found


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan, then a path back to the start)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    cycles = []
    for group in groups:
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        while queue:  # the shortest way round, within the group
            node = queue.pop(0)
            for other in sorted(graph[node]):
                if other == start:
                    cycles.append([*paths[node], start])
                    queue = []
                    break
                if other in group and other not in paths:
                    paths[other] = [*paths[node], other]
                    queue.append(other)
    return cycles


def test_no_import_cycle_between_modules_of_the_package():
    graph = {module: imports_of(module) for module in MODULES}
    cycles = _cycles(graph)
    described = []
    for cycle in cycles:
        steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in itertools.pairwise(cycle)]
        described.append("\n  ".join(steps))
    assert not cycles, "import cycles:\n  " + "\n\n  ".join(described)


# Features, lowest first. A module may import the foundation (every module outside these packages and the
# shell), its own package and the features on lower layers; features on one layer do not import each other.
# The shell (create_app, the CLI, the demo data) puts them all together.
LAYERS = [{"auth"}, {"directory"}, {"events", "assistance", "contacts", "guides"}, {"alerts"},
          {"moderation", "main", "api", "telegram", "embed"}]
SHELL = {"diaspora", "diaspora.cli", "diaspora.demo"}


def _layer(module: str) -> tuple[int, str | None]:
    """(layer, feature): 0 for the foundation."""
    feature = module.split(".")[1] if module.count(".") else None
    for number, features in enumerate(LAYERS, start=1):
        if feature in features:
            return number, feature
    return 0, None


def test_no_feature_imports_a_feature_above_it():
    wrong = []
    for module in MODULES:
        if module in SHELL:
            continue
        layer, feature = _layer(module)
        for imported, line in imports_of(module).items():
            other_layer, other_feature = _layer(imported)
            if imported in SHELL or (other_feature != feature and other_layer >= layer and other_layer):
                wrong.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}: {module} imports {imported}")
    assert not wrong, "imports that run the wrong way:\n" + "\n".join(wrong)


def test_the_cycle_finder_finds_one():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]


def test_an_import_inside_a_function_counts_and_the_root_is_not_its_submodules():
    assert "diaspora.mail" in imports_of("diaspora.events.notify")  # `from diaspora import mail`
    assert "diaspora" not in imports_of("diaspora.events.notify")
    assert "diaspora.unit_of_work" in imports_of("diaspora")  # inside create_app


# --- views and domain errors ---------------------------------------------------------------------------

def _domain_error_names() -> set[str]:
    for info in pkgutil.walk_packages(diaspora.__path__, "diaspora."):
        importlib.import_module(info.name)
    names, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _is_view_module(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                func = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(func, ast.Attribute) and func.attr in ("route", "get", "post", "put", "patch", "delete"):
                    return True
    return False


def _caught(handler: ast.ExceptHandler) -> set[str]:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "") for t in types if t is not None}


def _in_attempt(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.With) and any(
        isinstance(item.context_expr, ast.Call) and ast.unparse(item.context_expr.func).endswith("attempt")
        for item in statement.items)


def unguarded_catches(tree: ast.AST, domain_errors: set[str]) -> list[ast.Try]:
    """In a module of views: every `try` that catches a domain error with something else than attempt() in it."""
    if not _is_view_module(tree):
        return []
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Try) and any(_caught(h) & domain_errors for h in node.handlers)
            and not all(_in_attempt(statement) for statement in node.body)]


def test_the_scan_sees_a_view_that_catches_without_attempt():
    source = """
@bp.post("/a")
def a():
    try:
        with attempt():
            services.publish()
    except ServiceError:
        pass
    try:
        services.publish()
    except (ValueError, errors.Forbidden):
        pass
    try:
        int("x")
    except ValueError:
        pass
"""
    assert [node.lineno for node in unguarded_catches(ast.parse(source), {"ServiceError", "Forbidden"})] == [9]
    assert unguarded_catches(ast.parse(source.replace("@bp.post", "@cache")), {"Forbidden"}) == []


def test_views_catch_domain_errors_only_around_attempt():
    domain_errors = _domain_error_names()
    unguarded = []
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        unguarded += [_where(path, node) for node in unguarded_catches(tree, domain_errors)]
    assert not unguarded, ("a view catches a domain error outside `with attempt():` (what the service wrote "
                           "would be committed):\n" + "\n".join(unguarded))
