"""PDF documents residents and staff upload, checked before anyone downloads them.

A file that starts with ``%PDF-`` is not yet a document: it may be HTML or a script behind a
PDF header, or a real PDF that runs JavaScript, launches a program or carries other files
when staff open it. pypdf parses it strictly, and every object of the document is looked at
(at most MAX_OBJECTS of them, so a hostile file cannot keep a worker busy); only a plain
document of pages is taken.
"""

import io
import re

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

MAX_PAGES = 200
# A scanned document of 200 pages has a few thousand objects, a tagged office document some
# thousands more. pypdf reads some 15,000 small objects a second, so the two bounds keep even
# a hostile file to a second or two of one worker's time.
MAX_OBJECTS = 20_000
# Every key, value and array item counts (pypdf itself caps one dictionary or array at
# 100,000 entries).
MAX_VALUES = 300_000

# Names that make a viewer run something: JavaScript (as a key of an action or of the names
# tree, or as an action's type), additional actions fired by opening a page or touching a
# field, launching a program, and XFA forms, which carry their own scripts.
ACTIVE_NAMES = frozenset({"/JS", "/JavaScript", "/AA", "/Launch", "/XFA"})
# Names that put other files, or other players' content, inside the document.
EMBEDDED_NAMES = frozenset(
    {"/EmbeddedFiles", "/EmbeddedFile", "/EF", "/FileAttachment", "/RichMedia"}
)
WHITESPACE = b"\x00\t\n\f\r "
# The header of an indirect object where the cross-reference table says it starts.
OBJECT_HEADER = re.compile(rb"[\x00\t\n\f\r ]*(\d+)[\x00\t\n\f\r ]+(\d+)[\x00\t\n\f\r ]+obj")


class PdfRefused(ValueError):
    """A PDF that is not taken; the reason is one of the class constants."""

    NOT_READABLE = "not_readable"
    ACTIVE_CONTENT = "active_content"
    EMBEDDED_FILES = "embedded_files"
    ENCRYPTED = "encrypted"
    TOO_MANY_PAGES = "too_many_pages"
    TOO_COMPLEX = "too_complex"

    @property
    def reason(self) -> str:
        return self.args[0]


def check(data: bytes) -> int:
    """Return the page count of a plain PDF document; raise PdfRefused for anything else."""
    if not data.startswith(b"%PDF-") or data[data.rfind(b"%%EOF") + 5 :].strip(WHITESPACE):
        # A document ends at its last end-of-file marker: anything after it (an HTML page, a
        # script) is there for some other program to find.
        raise PdfRefused(PdfRefused.NOT_READABLE)
    try:
        reader = PdfReader(io.BytesIO(data), strict=True, xref_stream_maximum_entries=MAX_OBJECTS)
        if reader.is_encrypted:
            raise PdfRefused(PdfRefused.ENCRYPTED)
        _Walk(reader, data).run()
        pages = len(reader.pages)
    except PdfRefused:
        raise
    except Exception as error:
        # pypdf answers a broken file with many kinds of error (its own, ValueError,
        # KeyError, RecursionError for a deep tree, zlib's): each means it cannot be read.
        raise PdfRefused(PdfRefused.NOT_READABLE) from error
    if pages == 0:
        raise PdfRefused(PdfRefused.NOT_READABLE)
    if pages > MAX_PAGES:
        raise PdfRefused(PdfRefused.TOO_MANY_PAGES)
    return pages


class _Walk:
    """One pass over the trailer and every object the cross-reference table lists."""

    def __init__(self, reader: PdfReader, data: bytes):
        self.reader = reader
        self.data = data
        self.objects = self._listed_objects()
        self.seen: set[tuple[int, int]] = set()
        self.values = 0

    def _listed_objects(self) -> set[tuple[int, int]]:
        """The objects in the table, each checked to start where the table says: pypdf
        would otherwise search the whole file for a misplaced one, once per object."""
        reader = self.reader
        listed = {(number, 0) for number in reader.xref_objStm}
        for generation, entries in reader.xref.items():
            free = reader.xref_free_entry.get(generation, {})
            for number, offset in entries.items():
                if free.get(number):
                    continue
                header = OBJECT_HEADER.match(self.data, offset)
                if header is None or header.groups() != (b"%d" % number, b"%d" % generation):
                    raise PdfRefused(PdfRefused.NOT_READABLE)
                listed.add((number, generation))
        if len(listed) > MAX_OBJECTS:
            raise PdfRefused(PdfRefused.TOO_COMPLEX)
        return listed

    def run(self) -> None:
        root = self.reader.trailer.get("/Root")
        catalog = self._resolve(root, visit=False) if isinstance(root, IndirectObject) else root
        if not isinstance(catalog, DictionaryObject) or catalog.get("/Type") != "/Catalog":
            raise PdfRefused(PdfRefused.NOT_READABLE)
        pending = [self.reader.trailer]
        pending.extend(IndirectObject(n, g, self.reader) for n, g in sorted(self.objects))
        while pending:
            self._count()
            item = pending.pop()
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in self.seen:
                    continue
                pending.append(self._resolve(item))
            elif isinstance(item, DictionaryObject):
                for key, value in item.items():
                    self._name(key)
                    if key == "/OpenAction":
                        self._open_action(value)
                    pending.append(value)
            elif isinstance(item, ArrayObject):
                pending.extend(item)
            elif isinstance(item, NameObject):
                self._name(item)

    def _count(self) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise PdfRefused(PdfRefused.TOO_COMPLEX)

    def _resolve(self, reference: IndirectObject, *, visit: bool = True):
        """The object a reference points to; a reference to an object the table does not
        list is refused rather than searched for."""
        key = (reference.idnum, reference.generation)
        if key not in self.objects:
            raise PdfRefused(PdfRefused.NOT_READABLE)
        if visit:
            self.seen.add(key)
        return self.reader.get_object(reference)

    def _open_action(self, value) -> None:
        # Where the document opens, as a destination (an array: which page, at which zoom)
        # or as a go-to action, moves nothing outside it, and office suites and LaTeX write
        # one by default; any other action run on opening is refused.
        if isinstance(value, IndirectObject):
            value = self._resolve(value, visit=False)
        if isinstance(value, ArrayObject):
            return
        if (
            not isinstance(value, DictionaryObject)
            or value.get("/S") != "/GoTo"
            or "/Next" in value
        ):
            raise PdfRefused(PdfRefused.ACTIVE_CONTENT)

    @staticmethod
    def _name(name) -> None:
        if name in ACTIVE_NAMES:
            raise PdfRefused(PdfRefused.ACTIVE_CONTENT)
        if name in EMBEDDED_NAMES:
            raise PdfRefused(PdfRefused.EMBEDDED_FILES)
