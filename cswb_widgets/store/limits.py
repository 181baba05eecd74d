"""Import limits. Every importer checks these before unpacking or reading a file whole, and a
refusal names the limit it met (see the README's "Import limits"). They are far above any real
community's files (Toronto's 211 export, merged ward boundaries) and far below what exhausts a
laptop's memory."""

from __future__ import annotations

MIB = 1024 * 1024

MAX_FILE_BYTES = 256 * MIB  # one file as read: a CSV, a zip member, a sheet's XML, once uncompressed
MAX_ARCHIVE_BYTES = 512 * MIB  # all the members of one zip (or .xlsx) together, uncompressed
MAX_COMPRESSION_RATIO = 200  # uncompressed/compressed for one member; real spreadsheets stay under 100
MAX_ROWS = 1_000_000  # data rows in one table or sheet
MAX_COLUMNS = 500  # columns in one table or sheet
MAX_CELL_CHARS = 100_000  # characters in one text cell
MAX_GEOMETRY_CHARS = 16 * MIB  # characters in one boundary's GeoJSON geometry (merged wards reach 280,000)
