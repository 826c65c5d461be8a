"""The company's logo: a PNG drawn again from its pixels, or an SVG kept only in the parts
that draw.

The logo is shown in the header of every page, so nothing in it may run a script, fetch
anything from elsewhere or take long to decode. Browsers already refuse scripts and outside
resources in an SVG shown through ``<img>``, and the logo's address sends a policy that
forbids them when the file is opened on its own; the cleaning here makes sure the stored
file would be harmless even without either. An SVG is rebuilt from an allow-list of drawing
elements and presentation attributes: whatever is not on the lists is left out, and a file
that declares a document type or entities (which could expand to gigabytes or read local
files) is refused before it is parsed, and again by the parser if it got that far.
"""

import io
import re

# Only builds and writes the cleaned tree: every parse goes through defusedxml below.
import xml.etree.ElementTree as ET  # nosec B405

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from PIL import Image, UnidentifiedImageError

from portal.i18n import gettext as _

MAX_BYTES = 100 * 1024
MAX_SIDE = 1024
# Deeper nesting than any drawing program writes; the serialiser recurses once per level.
MAX_DEPTH = 64
PNG = "image/png"
SVG = "image/svg+xml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Elements that draw, group or describe; scripts, styles, foreign objects, images, links,
# animation (which can rewrite an attribute into a link) and everything else are left out.
ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "title",
        "desc",
        "defs",
        "linearGradient",
        "radialGradient",
        "stop",
        "clipPath",
        "mask",
    }
)
# Geometry and presentation attributes. No event handler, no style attribute (it is CSS,
# which can fetch), no class (there is no style sheet for it).
ATTRIBUTES = frozenset(
    {
        "id",
        "version",
        "viewBox",
        "preserveAspectRatio",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "fr",
        "d",
        "points",
        "pathLength",
        "transform",
        "offset",
        "dx",
        "dy",
        "rotate",
        "textLength",
        "lengthAdjust",
        "gradientUnits",
        "gradientTransform",
        "spreadMethod",
        "clipPathUnits",
        "maskUnits",
        "maskContentUnits",
        "href",
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-opacity",
        "opacity",
        "color",
        "clip-path",
        "clip-rule",
        "mask",
        "stop-color",
        "stop-opacity",
        "visibility",
        "display",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "font-variant",
        "font-stretch",
        "text-anchor",
        "dominant-baseline",
        "alignment-baseline",
        "baseline-shift",
        "letter-spacing",
        "word-spacing",
        "text-decoration",
        "writing-mode",
        "shape-rendering",
        "text-rendering",
        "color-interpolation",
        "vector-effect",
        "paint-order",
    }
)
# The functions a presentation or transform value may call; url() only to this file's ids.
FUNCTIONS = frozenset(
    {
        "rgb",
        "rgba",
        "hsl",
        "hsla",
        "matrix",
        "translate",
        "scale",
        "rotate",
        "skewx",
        "skewy",
        "url",
    }
)
_FUNCTION = re.compile(r"([a-z][a-z0-9-]*)\s*\(", re.IGNORECASE)
_LOCAL_URL = re.compile(r"url\(\s*(['\"]?)#[A-Za-z_][\w.:-]*\1\s*\)", re.IGNORECASE)
_ANY_URL = re.compile(r"url\s*\(", re.IGNORECASE)
_LOCAL_HREF = re.compile(r"#[A-Za-z_][\w.:-]*")
_DECLARATION = re.compile(r"<!\s*(doctype|entity)", re.IGNORECASE)


class LogoRefused(ValueError):
    """A file that cannot be the logo; the reason is one of the class constants."""

    TOO_LARGE = "too_large"
    TOO_MANY_PIXELS = "too_many_pixels"
    NOT_AN_IMAGE = "not_an_image"
    UNREADABLE_SVG = "unreadable_svg"
    DECLARATIONS = "declarations"

    @property
    def reason(self) -> str:
        return self.args[0]


def message(reason: str) -> str:
    """What to tell the administrator whose logo file was refused for ``reason``."""
    if reason == LogoRefused.TOO_LARGE:
        return _(
            "The logo file is larger than %(size)s KB. Save it smaller and choose it again.",
            size=MAX_BYTES // 1024,
        )
    if reason == LogoRefused.TOO_MANY_PIXELS:
        return _(
            "The logo is larger than %(side)s × %(side)s pixels. Save it smaller and choose "
            "it again.",
            side=MAX_SIDE,
        )
    if reason == LogoRefused.UNREADABLE_SVG:
        return _(
            "The SVG file could not be read. Save it again as plain SVG in the drawing "
            "program and choose it again."
        )
    if reason == LogoRefused.DECLARATIONS:
        return _(
            "The SVG file declares a document type or entities, which we do not accept. Save "
            "it again as plain SVG and choose it again."
        )
    return _("The logo must be an SVG or a PNG file.")


def checked(data: bytes) -> tuple[bytes, str]:
    """Return the logo to store and its content type: a PNG re-encoded, or an SVG cleaned.
    Raise LogoRefused when the file cannot be the logo."""
    if len(data) > MAX_BYTES:
        raise LogoRefused(LogoRefused.TOO_LARGE)
    if data.startswith(PNG_SIGNATURE):
        return reencoded_png(data), PNG
    return cleaned_svg(data), SVG


def reencoded_png(data: bytes) -> bytes:
    """Draw the PNG again from its pixels (no text chunks, no colour profile, no second
    frame survive). Its size is read from the header and checked before any pixel is
    decoded."""
    try:
        with Image.open(io.BytesIO(data), formats=("PNG",)) as image:
            if image.width > MAX_SIDE or image.height > MAX_SIDE:
                raise LogoRefused(LogoRefused.TOO_MANY_PIXELS)
            image.load()
            kept = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
            out = io.BytesIO()
            kept.save(out, "PNG", optimize=True)
    except LogoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise LogoRefused(LogoRefused.NOT_AN_IMAGE) from None
    return out.getvalue()


def cleaned_svg(data: bytes) -> bytes:
    """Parse the SVG and rebuild it from the allowed elements and attributes only; refuse
    a file that is not UTF-8, declares a document type or entities, or does not parse."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LogoRefused(LogoRefused.NOT_AN_IMAGE) from None
    if not text.lstrip().startswith("<"):
        raise LogoRefused(LogoRefused.NOT_AN_IMAGE)
    # Searched in the decoded text, so that no other encoding can hide a declaration.
    if _DECLARATION.search(text):
        raise LogoRefused(LogoRefused.DECLARATIONS)
    # ElementTree's parser as defusedxml wraps it, told to stop at any document type
    # declaration: a second guard behind the search above.
    parser = SafeET.DefusedXMLParser(forbid_dtd=True)
    try:
        # Given as text, the parser reads it as the Unicode it is, whatever encoding the
        # XML declaration names.
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException:
        raise LogoRefused(LogoRefused.DECLARATIONS) from None
    except ET.ParseError:
        raise LogoRefused(LogoRefused.UNREADABLE_SVG) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise LogoRefused(LogoRefused.UNREADABLE_SVG)
    cleaned = _copy(root)
    # The tree is written with plain tag names under one default namespace.
    cleaned.set("xmlns", SVG_NS)
    pending = [(root, cleaned, 1)]
    while pending:
        source, target, depth = pending.pop()
        for child in source:
            if not _is_drawing(child):
                continue
            if depth >= MAX_DEPTH:
                raise LogoRefused(LogoRefused.UNREADABLE_SVG)
            copy = _copy(child)
            target.append(copy)
            pending.append((child, copy, depth + 1))
    return ET.tostring(cleaned, encoding="unicode").encode()


def _is_drawing(element: ET.Element) -> bool:
    """Whether the element is an SVG element on the allow-list (comments and processing
    instructions never reach the tree: the parser leaves them out)."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith(f"{{{SVG_NS}}}"):
        return False
    return tag.split("}", 1)[1] in ELEMENTS


def _copy(element: ET.Element) -> ET.Element:
    """A new element of the same kind (named without its namespace) with only the allowed
    attributes, and its text."""
    attributes = {}
    for name, value in element.attrib.items():
        kept = _attribute_name(name)
        if kept is not None and _is_safe_value(kept, value):
            attributes[kept] = value
    copy = ET.Element(element.tag.split("}", 1)[1], attributes)
    copy.text = element.text
    copy.tail = element.tail
    return copy


def _attribute_name(name: str) -> str | None:
    """The name to keep an attribute under, or None to leave it out: ``xlink:href`` is kept
    as the plain ``href`` every browser reads today."""
    if name == f"{{{XLINK_NS}}}href":
        return "href"
    if name in (f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang"):
        return name
    if name.startswith("{") or name.lower().startswith("on"):
        return None
    return name if name in ATTRIBUTES else None


def _is_safe_value(name: str, value: str) -> bool:
    """Whether the value can only point inside this file: an href only to a local "#id",
    url() only to a local id, no other function than colours and transforms, and no CSS
    escape (which could spell url( in disguise)."""
    if name == "href":
        return _LOCAL_HREF.fullmatch(value.strip()) is not None
    if "\\" in value:
        return False
    if any(match.group(1).lower() not in FUNCTIONS for match in _FUNCTION.finditer(value)):
        return False
    return len(_ANY_URL.findall(value)) == len(_LOCAL_URL.findall(value))
