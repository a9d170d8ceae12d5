#!/usr/bin/python3
"""Turns the Kconfig tree and a defconfig into .config, a C header and a CMake include.

An existing .config (for example one edited with menuconfig) is kept and updated with any new
symbols, as long as the defconfig it came from is unchanged; otherwise the defconfig seeds it.
Run by CMake at configure time.
"""
import argparse
import os
import sys

import kconfiglib


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kconfig", required=True)
    parser.add_argument("--defconfig", required=True)
    parser.add_argument("--dotconfig", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--cmake", required=True)
    options = parser.parse_args()

    stamp = options.dotconfig + ".defconfig"
    previous_defconfig = open(stamp).read() if os.path.exists(stamp) else None
    defconfig_identity = options.defconfig + "\n" + open(options.defconfig).read()
    kconf = kconfiglib.Kconfig(options.kconfig, warn_to_stderr=True)
    if os.path.exists(options.dotconfig) and previous_defconfig == defconfig_identity:
        kconf.load_config(options.dotconfig)
    else:
        kconf.load_config(options.defconfig)
    kconf.write_config(options.dotconfig, header="# unifork kernel configuration\n")
    with open(stamp, "w") as f:
        f.write(defconfig_identity)

    os.makedirs(os.path.dirname(options.header), exist_ok=True)
    kconf.write_autoconf(options.header, header="/* Generated from .config; do not edit. */\n#pragma once\n")

    lines = []
    for sym in kconf.unique_defined_syms:
        value = sym.str_value
        if sym.type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            if value == "n":
                continue
        elif not value:
            continue
        lines.append('set(CONFIG_%s "%s")' % (sym.name, value.replace('"', '\\"')))
    with open(options.cmake, "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
