import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env_variables() -> set[str]:
    source = (ROOT / "config" / "env.py").read_text()
    return set(re.findall(r'_(?:str|bool|list|int)\("([A-Z_]+)"', source))


def test_every_variable_is_documented_in_readme_and_env_example():
    names = _env_variables() | {"METAVAST_VAR_DIR"}
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert len(names) > 10
    missing_readme = {n for n in names if f"`{n}`" not in readme}
    missing_example = {n for n in names - {"REQUIRE_POSTGRES"} if f"{n}=" not in example}
    assert not missing_readme, missing_readme
    assert not missing_example, missing_example


def test_only_env_py_reads_the_environment():
    offenders = []
    for path in list((ROOT / "metavast").rglob("*.py")) + list((ROOT / "config").rglob("*.py")):
        if path.name == "env.py" or "tests" in path.parts:
            continue
        text = path.read_text()
        if "os.environ" in text or "os.getenv" in text:
            offenders.append(str(path.relative_to(ROOT)))
    allowed = {
        *("config/celery.py", "config/wsgi.py", "config/asgi.py"),  # setdefault only
        "metavast/core/backups.py",  # hands the environment on to pg_dump, adding PGPASSWORD
    }
    assert set(offenders) <= allowed, offenders
