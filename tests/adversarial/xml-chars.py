"""xml-chars.py FILE: exit 1 when FILE is not strict UTF-8 or holds a
character that XML 1.0 does not allow (surrogates, U+FFFE, U+FFFF, controls
other than tab, newline and carriage return)."""
import re
import sys

try:
    with open(sys.argv[1], encoding="utf-8", errors="strict") as f:
        text = f.read()
except UnicodeDecodeError as e:
    print(f"{sys.argv[1]}: not UTF-8: {e}")
    sys.exit(1)
bad = re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", text)
if bad:
    print(f"{sys.argv[1]}: characters XML forbids: {sorted(set(map(hex, map(ord, bad))))}")
    sys.exit(1)
