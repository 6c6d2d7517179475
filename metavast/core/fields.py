"""Model fields for personal data: encrypted at rest, with an optional blind index.

    mobile = EncryptedCharField(max_length=20, blank=True)
    mobile_index = BlindIndexField(source="mobile", normalizer=normalize_mobile)

`BlindIndexField` fills itself from its source on every save, so the two never disagree;
look rows up with `User.objects.filter(mobile_index=User.mobile_index_for(value))`, or the
generic `blind_lookup(Model, "mobile_index", value)`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core import checks
from django.db import models

from metavast.core import crypto


class EncryptedMixin:
    """Stores `encrypt(value)`; Python code sees plaintext. Only isnull/exact-on-empty work."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_internal_type(self):
        return "TextField"

    def get_lookup(self, lookup_name):
        # A ciphertext comparison would silently match nothing: refuse it loudly instead.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A CharField whose max_length bounds the plaintext; the column is TEXT."""

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def cast_db_type(self, connection):
        return models.TextField().db_type(connection)


class BlindIndexField(models.CharField):
    def __init__(
        self,
        *args,
        source: str = "",
        normalizer: Callable[[str], str] | None = None,
        **kwargs,
    ):
        self.source = source
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if not self.source:
            errors.append(checks.Error("BlindIndexField needs source=", obj=self))
        return errors

    @property
    def purpose(self) -> str:
        return f"{self.model._meta.label_lower}.{self.source}"

    def digest(self, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if self.normalizer is not None:
            value = self.normalizer(value)
        return crypto.blind_index(str(value), purpose=self.purpose)

    def pre_save(self, model_instance, add):
        value = self.digest(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def blind_lookup(model: type[models.Model], field_name: str, value: str) -> str | None:
    """The digest to filter `field_name` by, for a plaintext value."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, BlindIndexField)
    return field.digest(value)


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]


def blind_index_fields(model: type[models.Model]) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
