"""The text of a PDF made by reportlab, read back without a PDF library (pypdf is not installed): its
streams inflated, each embedded font's ToUnicode map applied to the strings its text operators draw.
Enough for our own documents (one content stream per page, literal strings), not for PDFs in general."""
import base64
import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}


def _stream(body: bytes) -> bytes:
    head = body.split(b"stream", 1)[0]
    found, length = _STREAM.search(body), re.search(rb"/Length (\d+)", head)
    assert found is not None and length is not None
    data = body[found.end():found.end() + int(length.group(1))]
    filters = re.findall(rb"/(ASCII85Decode|FlateDecode)", head)
    for name in filters:
        if name == b"ASCII85Decode":
            text = data.strip()
            data = base64.a85decode(text[:-2] if text.endswith(b"~>") else text)
        else:
            data = zlib.decompress(data)
    return data


def _cmap(data: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for start, end, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(dst, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """The string starting after the "(" at i - 1, and the index after its ")"."""
    out, depth = bytearray(), 1
    while True:
        ch = data[i]
        if ch == ord("\\"):
            nxt = data[i + 1]
            if nxt in b"01234567":
                digits = re.findall(rb"^[0-7]{1,3}", data[i + 1:i + 4])[0]
                out.append(int(digits, 8) & 0xFF)
                i += 1 + len(digits)
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if ch == ord("("):
            depth += 1
        elif ch == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(ch)
        i += 1


def pdf_text(pdf: bytes) -> str:
    """The document's text, its lines joined by spaces and runs of spaces folded."""
    objects = {int(number): body for number, body in _OBJECT.findall(pdf)}
    fonts: dict[bytes, dict[int, str] | None] = {}
    for body in objects.values():
        for name, number in re.findall(rb"/(F\d+(?:\+\d+)?) (\d+) 0 R", body.split(b"stream", 1)[0]):
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects.get(int(number), b""))
            fonts[name] = _cmap(_stream(objects[int(to_unicode.group(1))])) if to_unicode else None
    pages = [number for number, body in objects.items() if re.search(rb"/Type\s*/Page(?!s)", body)]
    words: list[str] = []
    for page in pages:
        for contents in re.findall(rb"/Contents (\d+) 0 R", objects[page]):
            data = _stream(objects[int(contents)])
            font: dict[int, str] | None = None
            i = 0
            while i < len(data):
                ch = data[i:i + 1]
                if ch == b"/":
                    name = re.match(rb"/([^\s/\[\]()<>]+)\s+[\d.]+\s+Tf", data[i:])
                    if name:
                        font = fonts.get(name.group(1))
                        i += len(name.group(0))
                        continue
                elif ch == b"(":
                    raw, i = _literal(data, i + 1)
                    words.append("".join(font.get(b, "?") for b in raw) if font else raw.decode("latin-1"))
                    continue
                elif data[i:i + 2] in (b"T*", b"Td", b"TD", b"Tm", b"ET"):
                    words.append(" ")
                i += 1
    return " ".join("".join(words).split())
