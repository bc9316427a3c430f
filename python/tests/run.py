"""ctest entry point: runs pytest on this folder with the interpreter CMake found; exit 77 (skip)
when pytest is not installed (Debian: python3-pytest). Writes nothing into the source tree (no
.pytest_cache, no __pycache__)."""
import os
import sys

sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # the subprocesses the tests start

try:
    import pytest
except ImportError:
    print("SKIP: pytest is not installed (apt-get install python3-pytest)")
    sys.exit(77)

sys.exit(pytest.main(["-p", "no:cacheprovider"] + sys.argv[1:]))
