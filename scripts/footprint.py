#!/usr/bin/python3
"""text/data/bss of a linked lsedge by component, from its GNU ld map (-Wl,-Map) and section headers.

  footprint.py --map lsedge.map --binary lsedge [--tool-prefix aarch64-linux-gnu-]

Each kept input section of the map is attributed to the archive or object it came from; each
output section is text, data or bss as binutils' `size` counts it (from readelf); what an output
section holds beyond its input sections (linker-made tables, alignment padding) goes to "other".
Prints a table and one machine-readable line per component ("FP component=... text= data= bss=").
"""
import argparse
import re
import subprocess
import sys

COMPONENTS = ["lsedge", "Mbed TLS", "llhttp", "cJSON", "other"]


def component_of(path):
    if "liblsedge_mbedtls.a" in path:
        return "Mbed TLS"
    if "libllhttp.a" in path:
        return "llhttp"
    if "liblsedge_cjson.a" in path:
        return "cJSON"
    if "/liblsedge_" in path or path.startswith("liblsedge_") or "CMakeFiles/lsedge.dir/" in path:
        return "lsedge"
    return "other"  # crt files, libgcc, libc_nonshared, libstdc++'s static parts


def output_sections(binary, prefix):
    """{name: (kind, size)} of the allocated sections, kind as `size` (Berkeley) counts it."""
    text = subprocess.run([prefix + "readelf", "-SW", binary], check=True, capture_output=True,
                          text=True).stdout
    sections = {}
    row = re.compile(r"^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+"
                     r"[0-9a-f]+\s+([A-Za-z]*)\s")
    for line in text.splitlines():
        m = row.match(line)
        if not m:
            continue
        name, sh_type, size, flags = m.group(1), m.group(2), int(m.group(3), 16), m.group(4)
        if "A" not in flags:
            continue
        if "X" in flags or "W" not in flags:
            kind = "text"
        elif sh_type != "NOBITS":
            kind = "data"
        else:
            kind = "bss"
        sections[name] = (kind, size)
    return sections


def input_sections(map_path):
    """[(output section, size, file)] of the kept input sections in the map's memory map."""
    lines = open(map_path, encoding="utf-8", errors="replace").read().splitlines()
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        sys.exit(map_path + ": not a GNU ld map")
    out_head = re.compile(r"^(\S+)(?:\s+0x[0-9a-f]+\s+0x[0-9a-f]+.*)?$")
    in_full = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    in_name = re.compile(r"^ (\S+)$")
    in_rest = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    result = []
    current = None
    pending = None
    for line in lines[start + 1:]:
        if pending is not None:
            m = in_rest.match(line)
            pending = None
            if m:
                result.append((current, int(m.group(2), 16), m.group(3).strip()))
                continue
        if not line.strip():
            continue
        if not line[0].isspace():
            m = out_head.match(line)
            if m and not line.startswith(("LOAD ", "OUTPUT(", "START GROUP", "END GROUP")):
                current = m.group(1)
            continue
        if line.startswith(" *") or current is None:
            continue  # input patterns, *fill*
        m = in_full.match(line)
        if m:
            result.append((current, int(m.group(3), 16), m.group(4).strip()))
            continue
        m = in_name.match(line)
        if m:
            pending = m.group(1)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--map", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--tool-prefix", default="")
    args = parser.parse_args()

    sections = output_sections(args.binary, args.tool_prefix)
    per_section = {name: {c: 0 for c in COMPONENTS} for name in sections}
    for out, size, path in input_sections(args.map):
        if out in sections:
            per_section[out][component_of(path)] += size
    totals = {c: {"text": 0, "data": 0, "bss": 0} for c in COMPONENTS}
    for name, (kind, size) in sections.items():
        parts = per_section[name]
        attributed = sum(parts.values())
        if attributed > size:
            # Merged input (.eh_frame CIEs, mergeable strings) is listed before merging: scale.
            scaled = {c: parts[c] * size // attributed for c in COMPONENTS}
            scaled["other"] += size - sum(scaled.values())
            parts = scaled
        else:
            # Linker-made content (.dynsym, .got, .plt, ...) and alignment padding.
            parts = dict(parts)
            parts["other"] += size - attributed
        for c in COMPONENTS:
            totals[c][kind] += parts[c]

    size_out = subprocess.run([args.tool_prefix + "size", args.binary], check=True,
                              capture_output=True, text=True).stdout.splitlines()[1].split()
    check = {"text": int(size_out[0]), "data": int(size_out[1]), "bss": int(size_out[2])}

    print("| component | text | data | bss |")
    print("|---|---:|---:|---:|")
    for c in COMPONENTS:
        t = totals[c]
        print("| %s | %d | %d | %d |" % (c, t["text"], t["data"], t["bss"]))
    summed = {k: sum(totals[c][k] for c in COMPONENTS) for k in ("text", "data", "bss")}
    print("| **total** | %d | %d | %d |" % (summed["text"], summed["data"], summed["bss"]))
    ok = summed == check
    print("%s`size`: text %d, data %d, bss %d%s" % (
        "" if ok else "MISMATCH with ", check["text"], check["data"], check["bss"],
        " (the same totals)" if ok else ""))
    for c in COMPONENTS:
        t = totals[c]
        print("FP component=%s text=%d data=%d bss=%d" % (c.replace(" ", "_"), t["text"], t["data"],
                                                          t["bss"]))
    print("FP total text=%d data=%d bss=%d size_matches=%d" % (summed["text"], summed["data"],
                                                               summed["bss"], int(ok)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
