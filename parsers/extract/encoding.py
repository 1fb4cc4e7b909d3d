"""HTML bytes -> text, for Chinese government pages.

Order of trust (deps.md §7): a BOM; bytes that are valid UTF-8 with non-ASCII in them
(GBK text essentially never is, and pages that declare gb2312 over UTF-8 bytes exist);
the HTTP header's charset, then the page's ``<meta>`` or XML declaration, each only if
the bytes decode strictly in it (a header that says UTF-8 over GBK bytes is common,
gotcha 8); then strict GB18030; then charset-normalizer; then GB18030 with
replacement characters and a warning.

gb2312 and gbk are always decoded as gb18030: Python's gb2312 codec is strict and fails
on characters such as 镕珺堃 that real "gb2312" pages carry (gotcha 9). Latin-1 and
ASCII declarations are ignored: on these portals they come from misconfigured servers.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 8192
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030"})
_UNTRUSTED = frozenset({"iso8859-1", "ascii", "cp1252"})
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode_html(data: bytes, declared_charset: str | None = None) -> tuple[str, str, list[str]]:
    """``(text, encoding used, warnings)`` for the page's bytes."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding, []
    warnings: list[str] = []
    declared = [("HTTP header", declared_charset), ("page", sniff_declared(data))]
    utf8 = _strict(data, "utf-8")
    if utf8 is not None and not utf8.isascii():
        warnings += [
            f"{source} says {name} but the bytes are UTF-8"
            for source, name in declared
            if name and codec_name(name) not in {None, "utf-8"}
        ]
        return utf8, "utf-8", warnings
    for source, name in declared:
        codec = codec_name(name) if name else None
        if codec is None:
            continue
        text = _strict(data, codec)
        if text is not None:
            return text, codec, warnings
        warnings.append(f"{source} says {name} but the bytes are not {codec}; detected instead")
    return _detect(data, warnings)


def sniff_declared(data: bytes) -> str | None:
    """The charset a ``<meta>`` tag or the XML declaration names, if any."""
    head = data[:_SNIFF_BYTES]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match[1].decode("ascii") if match else None


def codec_name(name: str) -> str | None:
    """Python's codec for a declared charset, gb2312/gbk as gb18030; None when unusable."""
    label = name.strip().strip("\"'").lower()
    if any(part in label for part in ("gb2312", "gbk", "gb18030", "gb_2312", "936")):
        return "gb18030"  # also x-gbk, csgb2312, windows-936: WHATWG labels Python lacks
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec in _UNTRUSTED:
        return None
    return "gb18030" if codec in _GB_FAMILY else codec


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _detect(data: bytes, warnings: list[str]) -> tuple[str, str, list[str]]:
    text = _strict(data, "gb18030")
    if text is not None:
        return text, "gb18030", warnings
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        codec = codec_name(best.encoding) or best.encoding
        text = _strict(data, codec)
        if text is not None:
            return text, codec, [*warnings, f"encoding guessed as {codec}"]
    warnings.append("no encoding decodes the page cleanly; decoded as gb18030 with replacements")
    return data.decode("gb18030", errors="replace"), "gb18030", warnings
