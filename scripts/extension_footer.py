#!/usr/bin/env python3
"""Appends DuckDB's 534-byte extension metadata footer to a built shared object.

Layout (DuckDB 1.5, ParsedExtensionMetaData): a Wasm-style custom section header
`00 93 04 10 "duckdb_signature" 80 04`, eight 32-byte NUL-padded fields written in
reverse order (three unused, ABI type, extension version, DuckDB version, platform,
magic "4"), then a 256-byte signature (zeros: the build is unsigned).
"""
import argparse
import sys

FIELD = 32
SIGNATURE = 256
HEADER = bytes([0x00, 0x93, 0x04, 0x10]) + b"duckdb_signature" + bytes([0x80, 0x04])


def field(text: str) -> bytes:
    raw = text.encode("ascii")
    if len(raw) > FIELD:
        raise ValueError(f"footer field too long ({len(raw)} > {FIELD}): {text!r}")
    return raw.ljust(FIELD, b"\0")


def footer(abi: str, extension_version: str, duckdb_version: str, platform: str) -> bytes:
    fields = ["", "", "", abi, extension_version, duckdb_version, platform, "4"]
    block = HEADER + b"".join(field(f) for f in fields) + bytes(SIGNATURE)
    assert len(block) == 534
    return block


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("extension")
    p.add_argument("--abi", default="CPP")
    p.add_argument("--extension-version", default="")
    p.add_argument("--duckdb-version", required=True)
    p.add_argument("--platform", required=True)
    a = p.parse_args()
    with open(a.extension, "ab") as f:
        f.write(footer(a.abi or "CPP", a.extension_version, a.duckdb_version, a.platform))
    return 0


if __name__ == "__main__":
    sys.exit(main())
