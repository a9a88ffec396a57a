#!/usr/bin/python3
"""Guest instructions executed under qemu-user, from its `-d in_asm,exec,nochain` log.

  qemu_insn_count.py LOG

qemu 7.2's user-mode emulators have no instruction-counting plugin in Debian's build, but their
logs say which translation blocks ran: `in_asm` prints each block's guest instructions when it is
translated ("IN:" then one line per instruction), `exec` prints "Trace N: HOSTPTR [x/PC/x/x]"
each time a block runs, and `nochain` makes every block run through the logged path. The count
is the sum, over executions, of the executed block's instruction count (the latest translation
at that PC). It counts guest instructions, as valgrind's Ir does natively; qemu's speed says
nothing about the board's.
"""
import re
import sys

insn = re.compile(r"^0x([0-9a-f]+):\s+[0-9a-f]{4,8}\s")
trace = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
sizes = {}
total = 0
current_pc = None
current_count = 0
with open(sys.argv[1], errors="replace") as log:
    for line in log:
        m = insn.match(line)
        if m:
            if current_pc is None:
                current_pc = int(m.group(1), 16)
            current_count += 1
            continue
        if current_pc is not None:
            sizes[current_pc] = current_count
            current_pc = None
            current_count = 0
        m = trace.match(line)
        if m:
            total += sizes.get(int(m.group(1), 16), 0)
print(total)
