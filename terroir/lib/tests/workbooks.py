"""Workbooks written part by part, as a bomb would be, for the tests of the tabular readers and of the
pages that read spreadsheets."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/{strings}"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Fermes" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
 Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
 Target="{strings}"/></Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>
{rows}</sheetData></worksheet>"""


def xlsx_write(
    path: Path, *, strings: int = 2, declared: int | None = None, rows: int = 2, dimension: str = "",
    strings_part: str = "sharedStrings.xml", extra_members: int = 0,
) -> Path:  # fmt: skip
    """A workbook written part by part (as a bomb would be): `strings` shared strings, the sst element
    declaring `declared` of them, and `rows` rows of two cells (a name, a number)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("[Content_Types].xml", CONTENT_TYPES.format(strings=strings_part))
        out.writestr("_rels/.rels", RELS)
        out.writestr("xl/workbook.xml", WORKBOOK)
        out.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(strings=strings_part))
        header = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        body = "".join(
            f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c><c r="B{n}"><v>{n}</v></c></row>' for n in range(2, rows + 1)
        )
        dimension_element = f'<dimension ref="{dimension}"/>' if dimension else ""
        out.writestr("xl/worksheets/sheet1.xml", SHEET.format(dimension=dimension_element, rows=header + body))
        count = strings if declared is None else declared
        with out.open(f"xl/{strings_part}", "w") as sst:
            sst.write(f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" '
                      f'uniqueCount="{count}"><si><t>nom</t></si><si><t>kg</t></si>'.encode())  # fmt: skip
            item = b"<si><t>a</t></si>"
            for start in range(2, strings, 100_000):
                sst.write(item * min(100_000, strings - start))
            sst.write(b"</sst>")
        for number in range(extra_members):
            out.writestr(f"xl/media/image{number}.png", b"")
    return path


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"""


END = "</table:table-cell>"


def ods_cell(value: object) -> str:
    """A cell as LibreOffice writes it: a number, a date (a `datetime.date` or `datetime.datetime`), a
    text, or empty (None)."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        raise TypeError("no booleans here")
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p>{END}'
    if hasattr(value, "isoformat"):
        iso = value.isoformat()
        return f'<table:table-cell office:value-type="date" office:date-value="{iso}"><text:p>{iso}</text:p>{END}'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>{END}'


def ods_write(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]], *, tail: str = "") -> Path:
    """A spreadsheet as LibreOffice saves it (a zip holding content.xml), no library needed: python-calamine
    only reads. `tail` is raw XML put at the end of every sheet (the repeated rows LibreOffice writes down
    to the sheet's end, or a bomb's)."""
    tables = "".join(
        f'<table:table table:name="{name}">'
        + "".join(f"<table:table-row>{''.join(ods_cell(cell) for cell in row)}</table:table-row>" for row in rows)
        + tail
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        out.writestr("content.xml", content)
        out.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    return path
