"""The catalog's vocabulary for typo tolerance, with a trigram index on PostgreSQL."""

from django.db import migrations, models


def _index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS searchterm_term_trgm"
            " ON catalog_searchterm USING gin (term gin_trgm_ops)"
        )
        # Typo tolerance no longer compares queries with every product's words.
        schema_editor.execute("DROP INDEX IF EXISTS product_search_words_trgm")


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS searchterm_term_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_listing_indexes")]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=100, unique=True)),
            ],
            options={
                "verbose_name": "واژهٔ کاتالوگ",
                "verbose_name_plural": "واژه\u200cهای کاتالوگ",
            },
        ),
        migrations.RunPython(_index, _drop),
    ]
