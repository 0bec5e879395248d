#!/usr/bin/env python3
"""Checks that a linked program uses AVX / AVX-512 instructions only inside tapegrad's kernel
variants (docs/cpu-dispatch.md), so it runs on any x86-64 CPU with SSE4.2.

The AVX2 and AVX-512 variants are compiled from the same sources as the SSE4.2 one, with
their own flags; an inline function from a standard or TBB header that they instantiate
exists once per variant under one name, and the linker keeps one copy. This test finds
every function of the program that is not part of the AVX2 or AVX-512 variants and fails
if any of them holds a VEX or EVEX encoded instruction (AT&T mnemonics starting with `v`,
bar the virtualisation ones) or names a ymm, zmm or mask register.

A function is part of a variant when its name mentions avx2 or avx512: the variants'
namespaces tg::kernels::avx2 / avx512, and xsimd's architecture types xsimd::avx2,
fma3<avx2>, avx512bw..., which only the variants instantiate. The name is matched
demangled or, where objdump cannot demangle it (some lambdas inside templates), mangled
(`2tg7kernels6avx512`, `5xsimd4avx2`).

  check_isa_confinement.py OBJDUMP PROGRAM
"""
import re
import subprocess
import sys

VARIANT = re.compile(r"avx2|avx512")
NOT_VECTOR = {"verr", "verw", "vmcall", "vmlaunch", "vmresume", "vmxoff", "vmxon", "vmptrld",
              "vmptrst", "vmread", "vmwrite", "vmclear", "vmfunc"}
HEADER = re.compile(r"^[0-9a-f]+ <(.*)>:$")
INSN = re.compile(r"^\s+[0-9a-f]+:\s+(?:(?:rex\S*|lock|rep\S*|notrack|bnd|data16)\s+)*(\S+)\s*(.*)$")
WIDE_REGISTER = re.compile(r"%(ymm|zmm)\d+|%k[0-7]\b")


def main():
    objdump, program = sys.argv[1], sys.argv[2]
    listing = subprocess.run([objdump, "-d", "-C", "--no-show-raw-insn", program],
                             check=True, capture_output=True, text=True).stdout
    leaks = {}
    function, variant = None, False
    checked = 0
    for line in listing.splitlines():
        header = HEADER.match(line)
        if header:
            function = header.group(1)
            variant = VARIANT.search(function) is not None
            checked += not variant
            continue
        insn = INSN.match(line)
        if not insn or function is None or variant:
            continue
        mnemonic, operands = insn.group(1), insn.group(2)
        if (mnemonic.startswith("v") and mnemonic not in NOT_VECTOR) or \
                WIDE_REGISTER.search(operands):
            leaks.setdefault(function, f"{mnemonic} {operands}".strip())
    if leaks:
        print(f"{program}: {len(leaks)} functions outside the AVX2/AVX-512 kernel variants use "
              "AVX or AVX-512 instructions (they would fault on an SSE4.2-only CPU):")
        for function, example in sorted(leaks.items()):
            print(f"  {function}: {example}")
        return 1
    print(f"{program}: {checked} functions outside the kernel variants, none uses AVX/AVX-512")
    return 0


if __name__ == "__main__":
    sys.exit(main())
