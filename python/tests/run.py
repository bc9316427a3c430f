"""ctest entry point: runs pytest on this folder with the interpreter CMake found; exit 77 (skip)
when pytest is not installed (Debian: python3-pytest)."""
import sys

try:
    import pytest
except ImportError:
    print("SKIP: pytest is not installed (apt-get install python3-pytest)")
    sys.exit(77)

sys.exit(pytest.main(sys.argv[1:]))
