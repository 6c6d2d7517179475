from metavast.orders.tests.factories import shop  # noqa: F401
from metavast.payments.tests.conftest import customer, variant  # noqa: F401
