"""Search indexes, one kind per database.

PostgreSQL: pg_trgm and GIN trigram indexes on the compact search key (substring matches with
LIKE) and on the normalised words (typo-tolerant word similarity).
SQLite: an FTS5 table with the trigram tokenizer over the same compact key, row id = product id,
kept in sync by metavast.catalog.search.index_products (called by the services).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

PG_INDEXES = [
    "CREATE INDEX IF NOT EXISTS product_search_key_trgm ON catalog_product USING gin (search_key gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS product_search_words_trgm ON catalog_product USING gin (search_words gin_trgm_ops)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS product_search_key_trgm",
    "DROP INDEX IF EXISTS product_search_words_trgm",
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5(search_key, tokenize='trigram')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS catalog_product_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(
            _run({"postgresql": PG_INDEXES, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": PG_DROP, "sqlite": SQLITE_DROP}),
        ),
    ]
