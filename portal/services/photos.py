"""Photos of defects: checked by content, re-encoded, turned upright, stripped of EXIF and GPS.

Whatever arrives (a phone's 12-megapixel original or a resized JPEG from the browser), what is
stored is a fresh JPEG of at most 1600 px and a small thumbnail, under random names outside the
static folder. Nothing of the original file's metadata survives the re-encoding.

A photo is cheap to send and dear to decode: a PNG of a few hundred kilobytes can say it is
7 000 × 7 000 pixels, and decoding it takes a worker seconds and hundreds of megabytes. So the
size is read from the file's header and anything beyond a phone's photo is refused before a
single pixel is decoded, what is allowed is decoded no larger than needed, and a process
decodes one photo at a time.
"""

import io
import secrets
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, PngImagePlugin, UnidentifiedImageError

MAX_SIDE = 1600
THUMB_SIDE = 320
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# Phones sell their photos by the megapixel, rounding down: an iPhone's default
# "24-megapixel" photo is 5712 × 4284, 24.5 million pixels. Counting a megapixel as 2**20
# pixels lets such a photo through (sent without JavaScript, it arrives at full size) and
# refuses the 48- to 200-megapixel modes, which take seconds to decode.
MAX_MEGAPIXELS = 24
MAX_PIXELS = MAX_MEGAPIXELS * 1024 * 1024
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
# Only these readers are tried: no other of Pillow's many formats is even identified. (An MPO,
# a phone's multi-picture JPEG, is recognised by the JPEG reader.)
READERS = ("JPEG", "PNG", "WEBP", "GIF")
# How to turn a photo upright by its EXIF orientation (as ImageOps.exif_transpose does), done
# here on the resized photo rather than on the original.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Pillow refuses a larger image itself, wherever it reads a size (a GIF's later frames too):
# it warns beyond this limit, which the decoding below turns into an error, and raises beyond
# twice it. A defect photo is the only image the portal ever opens.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# A PNG's text and colour-profile chunks are inflated when the file is opened, before any
# pixel: one chunk may grow to at most 1 MiB (a real colour profile is a few kilobytes) and
# all of them together to 4 MiB instead of Pillow's 64 MiB. A photo needs none of its text.
PngImagePlugin.MAX_TEXT_CHUNK = 1024 * 1024
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024

# One decode at a time in a process: two photos being decoded at once in one worker's threads
# would only share its core and double its memory, while a queue behind this lock keeps every
# decode short. Held only around work whose cost the pixel limit bounds.
_DECODING = threading.Lock()


class PhotoError(ValueError):
    """The file is not a photo we can take: the reason is one of the class constants."""

    NOT_A_PHOTO = "not_a_photo"
    TOO_LARGE = "too_large"


class TooManyPixels(PhotoError):
    """A photo of more than MAX_PIXELS: too large, refused before it was decoded. Callers
    that know only the reasons see TOO_LARGE; a form can name the limit."""

    def __init__(self):
        super().__init__(PhotoError.TOO_LARGE)


@dataclass(frozen=True)
class StoredPhoto:
    stored_name: str
    thumb_name: str
    width: int
    height: int
    size: int


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= argument: the new file carries no metadata at all.
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _check_header(data: bytes) -> None:
    """Refuse what is not a photo of ours, or has too many pixels, from its header alone."""
    with Image.open(io.BytesIO(data), formats=READERS) as probe:
        if probe.format not in ACCEPTED_FORMATS:
            raise PhotoError(PhotoError.NOT_A_PHOTO)
        # Image.open reads no pixels: the size is the header's word, checked here before
        # anything is decoded. (Image.open has applied Pillow's own check already: a second
        # guard, should the two limits ever part.)
        if probe.width * probe.height > MAX_PIXELS:
            raise TooManyPixels()
        probe.verify()


def _decode(data: bytes) -> Image.Image:
    """Decode a checked photo, upright, in RGB and no larger than MAX_SIDE."""
    with Image.open(io.BytesIO(data), formats=READERS) as original:
        # A JPEG is decoded straight at a half, quarter or eighth of its size when that still
        # covers the stored size: a 24-megapixel photo becomes 6 megapixels as it is read.
        scale = MAX_SIDE / max(original.size)
        if scale < 1:
            original.draft("RGB", (round(original.width * scale), round(original.height * scale)))
        original.load()
        orientation = original.getexif().get(ExifTags.Base.Orientation)
        image = original
        if image.mode not in ("RGB", "L"):
            # Palette and bilevel images are resized only pixel by pixel (ragged edges), and
            # a transparent one is stored flat anyway: make it RGB first.
            image = image.convert("RGB")
        # Shrink before anything else touches the pixels: first by a whole factor (averaging
        # boxes of pixels, cheap), then LANCZOS over the last 1.5 times or less. At Pillow's
        # default gap of 2 a 24-megapixel photo gets no whole-factor step, and LANCZOS over
        # all of it takes several times longer for no difference one could see.
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=1.5)
        if orientation in UPRIGHT:
            image = image.transpose(UPRIGHT[orientation])
        return image.convert("RGB")


def _encode(data: bytes) -> tuple[bytes, bytes, tuple[int, int]]:
    """The stored JPEG, its thumbnail and its size; raise PhotoError when it cannot be used."""
    try:
        # catch_warnings changes the process's warning filters: the decode lock keeps two
        # threads from doing so at once.
        with warnings.catch_warnings():
            # Pillow only warns of an image beyond its pixel limit and would decode it anyway.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _check_header(data)
            large = _decode(data)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooManyPixels() from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise PhotoError(PhotoError.NOT_A_PHOTO) from error
    body = _jpeg(large, 82)
    # The thumbnail is made from the stored size, not from the original again.
    thumb = large.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return body, _jpeg(thumb, 70), large.size


def process(data: bytes, directory: Path) -> StoredPhoto:
    """Check, re-encode and store one uploaded photo; raise PhotoError when it cannot be used."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(PhotoError.TOO_LARGE)
    with _DECODING:
        body, thumb, (width, height) = _encode(data)
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
    return StoredPhoto(stored, thumb_name, width, height, len(body))


def remove(directory: Path, *names: str) -> None:
    """Delete stored files (when the database write that needed them failed)."""
    for name in names:
        (directory / name).unlink(missing_ok=True)
