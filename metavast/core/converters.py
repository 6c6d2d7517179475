"""URL converters. `<id:pk>` is a database id: 1 to 18 digits, so a number too big for a
64-bit column is a 404 at the router instead of an OverflowError in the database driver."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
