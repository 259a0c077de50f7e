"""The `kubia-conformance` command: the suite's tools around pytest.

  kubia-conformance compare BEFORE/report.json AFTER/report.json [--html PATH]   what changed between two runs
  kubia-conformance fleet OUT --context A --context B [-- PYTEST ARGUMENTS]     one run per cluster, one report
  kubia-conformance cleanup [--kubeconfig PATH] [--context NAME] [--run RUN] [--dry-run]  what killed runs left

The checks themselves run under pytest (`pytest tests_conformance`, or `fleet`).
"""

from __future__ import annotations

import sys

from kubia_conformance import cleanup, fleet
from kubia_conformance.report import compare

COMMANDS = {"compare": compare.main, "fleet": fleet.main, "cleanup": cleanup.main}


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in COMMANDS:
        print(__doc__, file=sys.stderr if arguments and arguments[0] not in ("-h", "--help") else sys.stdout)
        return 0 if arguments and arguments[0] in ("-h", "--help") else 2
    return COMMANDS[arguments[0]](arguments[1:])


if __name__ == "__main__":
    sys.exit(main())
