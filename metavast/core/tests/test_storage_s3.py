"""Issue 17: media and private files on S3-compatible object storage (django-storages).

Against moto's standalone S3 server on 127.0.0.1 (real HTTP, real signatures; it refuses an
anonymous read of an object without a public grant, as S3 does), with the storages built by
config/settings/base.py's `object_storages` from an OBJECT_STORAGE_URL. What is tested:

- a product image added through the catalog service lands in the bucket under media/, with
  no public grant of its own, and the shop links it under MEDIA_URL (OBJECT_STORAGE_MEDIA_URL);
- the "private" storage: a sealed invoice PDF written and read back byte for byte, owner-only,
  refused to an anonymous GET, its URL signed and short-lived, a name written again replaced;
- the real services write their private files to the bucket by name and read them back, and
  nothing lands under PRIVATE_STORAGE_ROOT: an invoice issued through the payment path (PDF
  rendered on issue, downloaded by the buyer), a privacy export (built, downloaded once,
  deleted), a legal disclosure package (built, downloaded once, deleted), audit checkpoints
  (one object each; audit_verify reads them back, with a legacy checkpoints.jsonl, and names
  a forged one), `seal_private_files` and `rotate_field_keys` walking the bucket, invoice
  PDF deletion refusing names that escape, and `backup` saying what it leaves out.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.urls import reverse
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
    assert options["file_overwrite"] is False  # media: an upload never replaces another
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
    # Private names are what the rows keep: writing one again replaces it.
    assert private["file_overwrite"] is True and media["file_overwrite"] is False


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
    # The same name written again replaces the object (a re-render, a retried task): the
    # row keeps the name, so a renamed copy would be lost to it.
    again = private.save(name, ContentFile(b"other"))
    assert again == name
    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"other"
    assert _keys(bucket) == {key}
    assert _nothing_on_disk(settings)


# --- the real services, through the private storage -------------------------------------------


def _keys(client, prefix: str = "") -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def _object(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def _nothing_on_disk(settings) -> bool:
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_an_invoice_paid_through_the_orders_path_is_rendered_into_the_bucket_and_downloaded(
    shop,  # noqa: F811
    bucket,
    settings,
    client,
    django_capture_on_commit_callbacks,
):
    from metavast.invoices import pdf
    from metavast.invoices.models import Invoice
    from metavast.invoices.services import invoice_pdf_bytes, invoice_render_pdf
    from metavast.invoices.tests.factories import paid_order
    from metavast.orders.tests.factories import make_customer

    settings.INVOICE_PDF_ON_ISSUE = True
    buyer = make_customer(first_name="مریم", last_name="کاظمی")
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(buyer)  # order_mark_paid: the invoice is issued, its PDF rendered
    invoice = Invoice.objects.get(order=order)
    name = f"invoices/{invoice.fiscal_year}/{invoice.kind}-{invoice.number:06d}.pdf"
    assert invoice.pdf_name == name and len(invoice.pdf_sha256) == 64
    assert _keys(bucket) == {f"private/{name}"}
    raw = _object(bucket, f"private/{name}")
    assert crypto.is_sealed(raw) and b"%PDF" not in raw
    assert "مریم".encode() not in raw and "مریم".encode("utf-16-be") not in raw
    assert public_grants(bucket, f"private/{name}") == []

    client.force_login(buyer)
    page = client.get(reverse("invoices:pdf", args=[invoice.pk]))
    assert page.status_code == 200 and page.content.startswith(b"%PDF-")
    assert hashlib.sha256(page.content).hexdigest() == invoice.pdf_sha256
    assert invoice_pdf_bytes(invoice=invoice) == page.content
    # Rendering again finds it stored and leaves it: the bucket object is untouched.
    assert invoice_render_pdf(invoice_id=invoice.pk).pdf_name == name
    assert _object(bucket, f"private/{name}") == raw

    # Deleting by name: the PDF goes; names that would leave the private prefix are refused.
    bucket.put_object(Bucket=BUCKET, Key="media/keep.txt", Body=b"a media file")
    pdf.delete_stored(["../media/keep.txt", "/media/keep.txt", "", name])
    assert _keys(bucket) == {"media/keep.txt"}
    assert not pdf.is_stored(name)
    assert _nothing_on_disk(settings)


@pytest.mark.django_db
def test_a_storage_error_is_an_oserror_so_the_render_task_retries(bucket, settings):
    from metavast.core import private_files

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {**settings.STORAGES["private"]["OPTIONS"], "bucket_name": "no-such"},
        },
    }
    with pytest.raises(OSError, match="private storage"):
        private_files.write_sealed("invoices/1405/sale-000001.pdf", b"%PDF-")
    assert _nothing_on_disk(settings)


@pytest.mark.django_db
def test_a_privacy_export_is_built_in_the_bucket_handed_over_once_then_deleted(
    shop,  # noqa: F811
    bucket,
    settings,
    django_capture_on_commit_callbacks,
):
    from metavast.orders.tests.factories import make_customer
    from metavast.privacy.models import ExportStatus
    from metavast.privacy.services import export as export_service
    from metavast.privacy.tests._a2 import link_token, unzip

    user = make_customer(first_name="سارا", last_name="محمدی")
    with django_capture_on_commit_callbacks(execute=True):
        copy = export_service.export_request(user=user, actor=user)
    copy.refresh_from_db()
    assert copy.status == ExportStatus.READY
    assert copy.file_name == f"privacy/export-{copy.pk}.zip"
    key = f"private/{copy.file_name}"
    assert _keys(bucket) == {key}
    raw = _object(bucket, key)
    assert crypto.is_sealed(raw) and not raw.startswith(b"PK")
    assert hashlib.sha256(crypto.decrypt_bytes(raw)).hexdigest() == copy.file_sha256

    with django_capture_on_commit_callbacks(execute=True):
        data = export_service.export_download(token=link_token(user), user=user)
    files = unzip(data)
    assert json.loads(files["data.json"])["profile"]["first_name"] == "سارا"
    assert _keys(bucket) == set()  # destroyed once the download committed
    assert _nothing_on_disk(settings)


@pytest.mark.django_db
def test_a_legal_package_is_built_in_the_bucket_downloaded_once_then_deleted(
    shop,  # noqa: F811
    bucket,
    settings,
    django_capture_on_commit_callbacks,
):
    from metavast.legal import package
    from metavast.legal.models import DisclosureStatus
    from metavast.legal.services import (
        disclosure_approve,
        disclosure_package_download,
        disclosure_submit,
    )
    from metavast.legal.tests.factories import make_officer, make_request
    from metavast.orders.tests.factories import make_customer

    first, second = make_officer(first_name="مریم"), make_officer(first_name="حسین")
    target = make_customer(first_name="رضا", last_name="کریمی")
    request = make_request(officer=first, customers=[target.mobile])
    disclosure_submit(request_id=request.pk, actor=first)
    with django_capture_on_commit_callbacks(execute=True):
        disclosure_approve(request_id=request.pk, actor=second, note="حکم معتبر است")
    request.refresh_from_db()
    assert request.status == DisclosureStatus.PACKAGE_READY
    key = f"private/legal/disclosure-{request.pk}.zip"
    assert request.package_name == f"legal/disclosure-{request.pk}.zip"
    assert _keys(bucket) == {key} and crypto.is_sealed(_object(bucket, key))

    with django_capture_on_commit_callbacks(execute=True):
        download = disclosure_package_download(
            request_id=request.pk, actor=first, passphrase="correct-horse-battery-staple-42"
        )
    archive = package.decrypt_from_transit(download.content, "correct-horse-battery-staple-42")
    assert hashlib.sha256(archive).hexdigest() == download.sha256
    assert _keys(bucket) == set()
    assert _nothing_on_disk(settings)


@pytest.mark.django_db
def test_audit_checkpoints_are_objects_in_the_bucket_and_verify_reads_them_back(bucket, settings):
    from metavast.audit import chain
    from metavast.audit.checkpoints import CHECKPOINTS_FOLDER, LEGACY_CHECKPOINTS_NAME
    from metavast.audit.errors import ChainProblem
    from metavast.audit.services import audit_record, audit_seal, audit_verify
    from metavast.core import private_files

    def record(n: int) -> None:
        for i in range(n):
            audit_record(action="test.action", subject_type="thing", subject_id=i)

    record(2)
    first = audit_seal().checkpoint
    record(3)
    audit_seal()
    keys = sorted(_keys(bucket, f"private/{CHECKPOINTS_FOLDER}/"))
    assert len(keys) == 2 and "/000000000002-" in keys[0] and "/000000000005-" in keys[1]
    assert all(crypto.is_sealed(_object(bucket, key)) for key in keys)
    result = audit_verify()
    assert (result.ok, result.checked, result.checkpoint_seq) == (True, 5, 5)

    # An upgraded shop's legacy file (plaintext lines) is read too, and sealed on that read.
    line = json.dumps(
        {"seal_seq": 2, "head_hash": first.head_hash, "rows": 2, "time": first.time,
         "signature": first.signature}
    )  # fmt: skip
    legacy_key = f"private/{LEGACY_CHECKPOINTS_NAME}"
    bucket.put_object(Bucket=BUCKET, Key=legacy_key, Body=(line + "\n").encode())
    assert audit_verify().ok
    assert crypto.is_sealed(_object(bucket, legacy_key))

    # A checkpoint not signed with our key is reported by its name.
    forged = {"seal_seq": 9, "head_hash": "0" * 64, "rows": 9, "time": "2026-01-01T00:00:00"}
    forged["signature"] = chain.checkpoint_signature(forged, key=b"not-our-key")
    forged_name = f"{CHECKPOINTS_FOLDER}/20260101/000000000009-forged.json"
    private_files.write_sealed(forged_name, json.dumps(forged).encode())
    result = audit_verify()
    assert result.problem == ChainProblem.CHECKPOINT_INVALID and forged_name in result.reason
    assert _nothing_on_disk(settings)


@pytest.mark.django_db
def test_seal_and_rotate_commands_walk_every_object_in_the_bucket(
    shop,  # noqa: F811
    bucket,
    settings,
):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from metavast.core import private_files
    from metavast.invoices import pdf
    from metavast.invoices.models import Invoice
    from metavast.invoices.services import invoice_issue_for_order, invoice_render_pdf
    from metavast.invoices.tests.factories import paid_order

    invoice = invoice_render_pdf(invoice_id=invoice_issue_for_order(order_id=paid_order().pk).pk)
    document = pdf.read_pdf(invoice)
    private_files.write_sealed("privacy/deep/er/note.txt", b"sealed note")
    # A plaintext object from before sealing, three folders down.
    bucket.put_object(Bucket=BUCKET, Key="private/invoices/1404/old/legacy.pdf", Body=b"%PDF-old")

    out = io.StringIO()
    call_command("seal_private_files", stdout=out)
    assert "1 sealed, 2 already sealed" in out.getvalue()
    assert crypto.decrypt_bytes(_object(bucket, "private/invoices/1404/old/legacy.pdf")) == (
        b"%PDF-old"
    )

    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_field_keys", stdout=out, stderr=err)
    assert "Private files: 3 re-encrypted" in out.getvalue() and err.getvalue() == ""

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old keys can go
    new = Fernet(new_key.encode())
    assert new.decrypt(_object(bucket, f"private/{invoice.pdf_name}")) == document
    assert new.decrypt(_object(bucket, "private/privacy/deep/er/note.txt")) == b"sealed note"
    assert pdf.read_pdf(Invoice.objects.get(pk=invoice.pk)) == document
    assert _nothing_on_disk(settings)


@pytest.mark.django_db
def test_backup_leaves_out_the_bucket_and_says_so(bucket, settings, tmp_path):
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=out, stderr=err)

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["not_included"] == ["private", "media"]
    assert "private.tar.gz" not in manifest["files"] and "media.tar.gz" not in manifest["files"]
    assert not (tmp_path / "backup" / "private.tar.gz").exists()
    assert "the private files are in object storage, not in this backup" in err.getvalue()
    assert "the media files are in object storage" in err.getvalue()
