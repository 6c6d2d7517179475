from ninja import Schema


class ErrorOut(Schema):
    """The one shape of every 4xx answer."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}
