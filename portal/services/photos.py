"""Photos of defects: checked by content, re-encoded, turned upright, stripped of EXIF and GPS.

Whatever arrives (a phone's 12-megapixel original or a resized JPEG from the browser), what is
stored is a fresh JPEG of at most 1600 px and a small thumbnail, under random names outside the
static folder. Nothing of the original file's metadata survives the re-encoding.
"""

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
THUMB_SIDE = 320
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# A photo of more pixels than this is refused before it is decoded (decompression bombs).
MAX_PIXELS = 50_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


class PhotoError(ValueError):
    """The file is not a photo we can take: the reason is one of the class constants."""

    NOT_A_PHOTO = "not_a_photo"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class StoredPhoto:
    stored_name: str
    thumb_name: str
    width: int
    height: int
    size: int


def _resized(image: Image.Image, side: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= argument: the new file carries no metadata at all.
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def process(data: bytes, directory: Path) -> StoredPhoto:
    """Check, re-encode and store one uploaded photo; raise PhotoError when it cannot be used."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(PhotoError.TOO_LARGE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoError(PhotoError.NOT_A_PHOTO)
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoError(PhotoError.TOO_LARGE)
                probe.verify()
            with Image.open(io.BytesIO(data)) as original:
                # A phone's JPEG is decoded straight at a half, quarter or eighth of its size
                # when that still covers the stored size: a 12-megapixel photo then takes a
                # quarter of the time to read, and the other requests wait less for it.
                scale = MAX_SIDE / max(original.size)
                if scale < 1:
                    original.draft(
                        "RGB", (round(original.width * scale), round(original.height * scale))
                    )
                original.load()
                image = ImageOps.exif_transpose(original).convert("RGB")
    except PhotoError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise PhotoError(PhotoError.NOT_A_PHOTO) from error
    large = _resized(image, MAX_SIDE)
    body = _jpeg(large, 82)
    # The thumbnail is made from the stored size, not from the original again.
    thumb = _jpeg(_resized(large, THUMB_SIDE), 70)
    directory.mkdir(parents=True, exist_ok=True)
    stem = secrets.token_hex(16)
    stored, thumb_name = f"{stem}.jpg", f"{stem}-t.jpg"
    try:
        (directory / stored).write_bytes(body)
        (directory / thumb_name).write_bytes(thumb)
    except OSError:
        # A full disk: no half-written photo stays behind.
        remove(directory, stored, thumb_name)
        raise
    width, height = image.size
    scale = min(1.0, MAX_SIDE / max(width, height))
    return StoredPhoto(stored, thumb_name, round(width * scale), round(height * scale), len(body))


def remove(directory: Path, *names: str) -> None:
    """Delete stored files (when the database write that needed them failed)."""
    for name in names:
        (directory / name).unlink(missing_ok=True)
