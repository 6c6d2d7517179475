"""Issue 17: media and private files on S3-compatible object storage (django-storages).

Against moto's standalone S3 server on 127.0.0.1 (real HTTP, real signatures; it refuses an
anonymous read of an object without a public grant, as S3 does), with the storages built by
config/settings/base.py's `object_storages` from an OBJECT_STORAGE_URL. What is tested:

- a product image added through the catalog service lands in the bucket under media/, with
  no public grant of its own, and the shop links it under MEDIA_URL (OBJECT_STORAGE_MEDIA_URL);
- an issued invoice's PDF, sealed as on disk (metavast.core.private_files' keys), written to
  the "private" storage and read back byte for byte; the object is owner-only, an anonymous
  GET is refused, the stored bytes are ciphertext, and its URL is signed and short-lived.

What is not switched yet: the invoice, privacy-export and legal-package code still write
their sealed files under PRIVATE_STORAGE_ROOT on disk (docs/deploy.md says so).
"""

from __future__ import annotations

import hashlib
import io
import socket
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from moto.server import ThreadedMotoServer
from PIL import Image

from config.settings.base import object_storage_options, object_storages
from metavast.core import crypto
from metavast.orders.tests.factories import shop  # noqa: F401 (a fixture: shipping, seller)

BUCKET = "metavast-test"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server._server.server_address[:2]
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    url = f"s3+http://test-key:test%2Fsecret@{s3_endpoint.removeprefix('http://')}/{BUCKET}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test-key",
        aws_secret_access_key="test/secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, **object_storages(url)}
    settings.MEDIA_URL = "https://cdn.example.ir/media/"
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def public_grants(client, key: str) -> list[dict]:
    grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    return [g for g in grants if g["Grantee"].get("URI") in (ALL_USERS, AUTHENTICATED_USERS)]


# --- the URL -------------------------------------------------------------------------------


def test_object_storage_url_gives_path_style_signed_options():
    options = object_storage_options(
        "s3+https://AKIA%2B1:se%2Fcret@s3.ir-thr-at1.arvanstorage.ir/shop-files?region=ir-thr-at1"
    )
    assert options["endpoint_url"] == "https://s3.ir-thr-at1.arvanstorage.ir"
    assert (options["access_key"], options["secret_key"]) == ("AKIA+1", "se/cret")
    assert options["bucket_name"] == "shop-files" and options["region_name"] == "ir-thr-at1"
    assert options["addressing_style"] == "path" and options["signature_version"] == "s3v4"
    assert options["file_overwrite"] is False
    local = object_storage_options("s3+http://k:s@127.0.0.1:9000/b")
    assert local["endpoint_url"] == "http://127.0.0.1:9000" and local["region_name"] == "us-east-1"


@pytest.mark.parametrize(
    "url",
    [
        "https://k:s@s3.example.ir/bucket",  # not s3+
        "s3+https://s3.example.ir/bucket",  # no keys
        "s3+https://k@s3.example.ir/bucket",  # no secret
        "s3+https://k:s@s3.example.ir/",  # no bucket
    ],
)
def test_a_bad_object_storage_url_refuses_to_start(url):
    with pytest.raises(ImproperlyConfigured):
        object_storage_options(url)


def test_private_storage_is_owner_only_and_signed_for_five_minutes():
    private = object_storages("s3+https://k:s@s3.example.ir/b")["private"]["OPTIONS"]
    media = object_storages("s3+https://k:s@s3.example.ir/b")["default"]["OPTIONS"]
    assert private["default_acl"] == "private" and private["querystring_auth"] is True
    assert private["querystring_expire"] == 300 and private["location"] == "private"
    assert media["default_acl"] is None and media["location"] == "media"


# --- media: product images -----------------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_product_image_goes_to_the_bucket_with_no_public_grant(
    bucket, s3_endpoint, django_capture_on_commit_callbacks, client
):
    from metavast.catalog.services.images import product_image_add
    from metavast.orders.tests.factories import make_variant

    product = make_variant(price=1_000_000, on_hand=3).product
    upload = ContentFile(_png(), name="photo.png")
    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(product=product, upload=upload, alt="عکس")
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {f"media/{image.large.name}", f"media/{image.thumb.name}"}
    stored = bucket.get_object(Bucket=BUCKET, Key=f"media/{image.large.name}")["Body"].read()
    assert stored[:4] == b"RIFF" and stored[8:12] == b"WEBP"
    assert default_storage.open(image.large.name).read() == stored
    assert public_grants(bucket, f"media/{image.large.name}") == []
    # Shoppers read it from the CDN in front of media/, never from a signed bucket URL.
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    assert f"https://cdn.example.ir/media/{image.large.name}" in page.content.decode()


# --- private files: the invoice PDF ----------------------------------------------------------


@pytest.mark.django_db
def test_an_invoice_pdf_is_written_sealed_read_back_and_never_public(
    shop,  # noqa: F811
    bucket,
    s3_endpoint,
    settings,
    tmp_path,
):
    from metavast.invoices import pdf
    from metavast.invoices.services import invoice_issue_for_order
    from metavast.invoices.tests.factories import paid_order

    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    document = pdf.render_pdf(invoice)
    assert document[:5] == b"%PDF-"
    private = storages["private"]
    name = f"invoices/{invoice.fiscal_year}/{invoice.kind}-{invoice.number:06d}.pdf"

    stored_as = private.save(name, ContentFile(crypto.encrypt_bytes(document)))

    assert stored_as == name
    key = f"private/{name}"
    raw = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert b"%PDF" not in raw and crypto.is_sealed(raw)  # ciphertext at rest
    with private.open(name) as handle:
        back = crypto.decrypt_bytes(handle.read())
    assert hashlib.sha256(back).hexdigest() == hashlib.sha256(document).hexdigest()
    # Owner-only: no public grant, and an anonymous read is refused.
    assert public_grants(bucket, key) == []
    anonymous = requests.get(f"{s3_endpoint}/{BUCKET}/{key}", timeout=10)
    assert anonymous.status_code == 403
    # Its URL is signed and lives five minutes; that URL reads it, a tampered one does not.
    signed = private.url(name)
    query = parse_qs(urlparse(signed).query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    assert requests.get(signed, timeout=10).content == raw
    # (moto does not check presigned signatures, so a forged one is not tested here.)
    # A second file of the same name never overwrites the first.
    again = private.save(name, ContentFile(b"other"))
    assert again != name
    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == raw
