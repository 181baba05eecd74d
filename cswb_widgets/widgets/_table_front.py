"""The browser side of EditableTable: ``static/editable_table.js`` and ``.css`` (no CDN, no imports).

The widget is a compact list (the table's main columns, wrapped, sortable, searchable,
filtered and paged by the kernel) with a form beside it holding every field of the
record chosen (or of a new one). Rules the module keeps: every text the user or the
workspace supplies reaches the page through ``textContent``, ``value`` or
``setAttribute`` - never as markup; rows and fields are updated in place, and a field
that has focus is never overwritten, so a refresh cannot eat what someone is typing;
every control has an accessible name, and a refused value is tied to its message with
``aria-invalid`` and ``aria-describedby``.
"""

from __future__ import annotations

from ._static import script, stylesheet

TABLE_ESM = script("dom.js", "editable_table.js")
TABLE_CSS = stylesheet("editable_table.css")
