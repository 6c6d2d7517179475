from metavast.orders.tests.factories import shop  # noqa: F401  (fixture)
