#!/usr/bin/python3
"""Independent reference for the Ahmad-Shin logistic-map sequence (SCHEMES.md 2b).

Usage: logistic_map.py MU_HEX D0_HEX DISCARD COUNT MODULUS
MU and D0 are given as C99/Python hexadecimal floats (float.fromhex) so that no decimal
conversion is involved. Prints S_1..S_COUNT, one per line, where after DISCARD iterations each
further iteration d = mu * d * (1 - d) gives S = floor((d / 2) * 1e14) mod MODULUS.
Python floats are IEEE-754 doubles and evaluate mu * d * (1 - d) left to right, the same
association order as the C++ code; nothing here is copied from the C++ output.
"""
import math
import sys


def main():
    mu = float.fromhex(sys.argv[1])
    d = float.fromhex(sys.argv[2])
    discard = int(sys.argv[3])
    count = int(sys.argv[4])
    modulus = int(sys.argv[5])
    for _ in range(discard):
        d = mu * d * (1 - d)
    out = []
    for _ in range(count):
        d = mu * d * (1 - d)
        out.append(str(math.floor((d / 2) * 1e14) % modulus))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
