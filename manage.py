#!/usr/bin/env python
"""Django's command-line utility for VirtSec Portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from portal.startup import run_guarded

    def run() -> None:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)

    run_guarded(run)


if __name__ == "__main__":
    main()
