"""Product images: checked with Pillow, re-encoded once into WebP renditions.

An upload is trusted for nothing: its size is capped before decoding, its real type comes
from Pillow (not the name or the browser's content type), its pixel count is checked from
the header before any pixel is decoded (an "image bomb" is a tiny file that decodes to
gigabytes), and the stored files get names the server chose. Only the renditions are kept:
re-encoding drops EXIF (camera, GPS) and anything hidden after the image data.

Files follow the database, not the other way round: the image row is written with the names
its files will have, and the files are written only once the transaction commits. A
transaction that rolls back (a later error in the same admin save, a failed refresh) leaves
no file behind; if writing fails after the commit, the row is removed again, so a product
never points at an image that is not there.
"""

from __future__ import annotations

import io
import logging
import uuid
import warnings

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps

from metavast.catalog.errors import ImageTooLarge, InvalidImage
from metavast.catalog.models import Product, ProductImage
from metavast.catalog.services.locks import lock_products
from metavast.catalog.services.products import product_refresh

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
LARGE_SIDE = 1200
THUMB_SIDE = 400
WEBP_QUALITY = 80


def _read_capped(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge()
    if not data:
        raise InvalidImage()
    return data


def _open_checked(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise InvalidImage()
            width, height = probe.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise ImageTooLarge()
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLarge() from None
        except (OSError, SyntaxError, ValueError):
            raise InvalidImage() from None
    return image


def _webp(image: Image.Image, side: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue(), copy.width, copy.height


def render_renditions(data: bytes) -> dict:
    """Validated bytes in, the two WebP renditions out (no storage, no database)."""
    return renditions_of(ImageOps.exif_transpose(_open_checked(data)))


def renditions_of(image: Image.Image) -> dict:
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    large, width, height = _webp(image, LARGE_SIDE)
    thumb, _w, _h = _webp(image, THUMB_SIDE)
    return {"large": large, "thumb": thumb, "width": width, "height": height}


def rendition_names() -> tuple[str, str]:
    """Fresh, server-chosen names for a large rendition and its thumbnail."""
    name = uuid.uuid4().hex
    folder = f"products/{name[:2]}"
    return f"{folder}/{name}.webp", f"{folder}/{name}-t.webp"


def store_renditions(renditions: dict) -> tuple[str, str]:
    """Write the renditions now (demo data and other writes outside a shop transaction)."""
    large, thumb = rendition_names()
    large = default_storage.save(large, ContentFile(renditions["large"]))
    thumb = default_storage.save(thumb, ContentFile(renditions["thumb"]))
    return large, thumb


def _write_after_commit(image_id: int, files: dict[str, bytes]) -> None:
    """Write the committed image's files; if that fails, take the image back out."""
    written: list[str] = []
    try:
        for name, data in files.items():
            written.append(default_storage.save(name, ContentFile(data)))
            if written[-1] != name:  # the storage renamed it: the row would point elsewhere
                raise OSError(f"storage stored {name!r} as {written[-1]!r}")
    except Exception:
        log.exception("product image %s: writing its files failed; removing it", image_id)
        for name in written:
            default_storage.delete(name)
        image = ProductImage.objects.filter(pk=image_id).first()
        if image is not None:
            product_image_delete(image=image)


@transaction.atomic
def product_image_add(
    *, product: Product, upload, alt: str = "", position: int | None = None
) -> ProductImage:
    renditions = render_renditions(_read_capped(upload))
    large, thumb = rendition_names()
    lock_products([product.pk])
    if position is None:
        position = product.images.count()
    image = ProductImage.objects.create(
        product=product,
        large=large,
        thumb=thumb,
        width=renditions["width"],
        height=renditions["height"],
        alt=alt[:200],
        position=position,
    )
    product_refresh(product_ids=[product.pk])
    files = {large: renditions["large"], thumb: renditions["thumb"]}
    transaction.on_commit(lambda: _write_after_commit(image.pk, files))
    return image


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    product_id = image.product_id
    names = [image.large.name, image.thumb.name]
    lock_products([product_id])
    image.delete()
    product_refresh(product_ids=[product_id])

    def remove_files():
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove_files)
