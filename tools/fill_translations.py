"""Fill untranslated entries of a catalogue from Python dicts of msgid -> translation.

    .venv/bin/python tools/fill_translations.py server/locale/zh_CN/LC_MESSAGES/messages.po zh1.py zh2.py

Each dict file defines ZH = {...}. Entries that already have a translation are kept; the
script prints the msgids still untranslated afterwards so that none is forgotten.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, *dict_paths: str) -> int:
    table: dict[str, str] = {}
    for path in dict_paths:
        table.update(runpy.run_path(path)["ZH"])
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    filled = 0
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if message.string and (isinstance(message.string, str) or all(message.string)):
            continue
        if key in table:
            value = table[key]
            message.string = value if isinstance(message.id, str) else (value, value)
            filled += 1
        else:
            missing.append(key)
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False)
    print(f"filled {filled}; still untranslated {len(missing)}")
    for key in missing:
        print("  ", repr(key))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
