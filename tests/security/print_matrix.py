"""Print the observed permission matrix in the format of permission_matrix.py.

Usage (same environment as the test suite):
    PRINT_MATRIX=1 python tests/security/print_matrix.py > /tmp/matrix.txt
then review the differences and paste the MATRIX into tests/security/permission_matrix.py.
"""

from __future__ import annotations

import os
import sys

import pytest

if __name__ == "__main__":
    os.environ["PRINT_MATRIX"] = "1"
    sys.exit(
        pytest.main(
            [
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/security/test_permission_matrix.py::test_print_observed_matrix",
            ]
        )
    )
