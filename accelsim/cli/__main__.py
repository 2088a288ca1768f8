"""``python -m accelsim.cli`` is the `accelsim` command."""

import sys

try:  # Ctrl-C while the command line module loads: the same one line as later
    from accelsim.cli import entry
except KeyboardInterrupt:
    sys.stderr.write("accelsim: interrupted\n")
    sys.exit(130)

entry()
