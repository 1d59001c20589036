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
        plural = not isinstance(message.id, str)
        key = message.id if not plural else message.id[0]
        if message.string and (isinstance(message.string, str) or all(message.string)):
            continue
        # A plural may be given under its singular or under the (singular, plural) pair,
        # with one string or a tuple of them; the catalogue's language says how many forms.
        value = table.get(key, table.get(tuple(message.id)) if plural else None)
        if value is not None:
            if plural:
                forms = (value,) if isinstance(value, str) else tuple(value)
                message.string = tuple(forms[min(i, len(forms) - 1)] for i in range(catalog.num_plurals))
            else:
                message.string = value
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
