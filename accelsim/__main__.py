"""``python -m accelsim`` is the `accelsim` command."""

import signal
import sys

try:  # Ctrl-C while the command line module loads: the same one line as later
    from accelsim.cli import main
except KeyboardInterrupt:
    sys.stderr.write("accelsim: interrupted\n")
    sys.exit(130)

code = main()
# The run is over and its outputs are written: a Ctrl-C or SIGTERM arriving now, during the
# interpreter's shutdown, must not turn its exit code into a signal death.
for finished in (signal.SIGINT, signal.SIGTERM):
    signal.signal(finished, signal.SIG_IGN)
sys.exit(code)
