"""The PSUM buffer as an action counter: its port time per fold and its counted actions.

Which bits a fold reads and writes there (read-modify-write per K tile, APSQ groups, spills) is a
mapping fact (``accelsim.mapping.psum``, ``reuse._psum_buffer_traffic``). Here the buffer's
ports turn those bits into cycles: reads and writes use separate ports, each moving
``width * banks * ports`` bits per cycle, so a fold whose PSUM traffic needs more cycles than the
array keeps the array busy that long (port contention, the ``busy_cycles`` seam).
"""

from __future__ import annotations

from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.reuse import FoldTrafficBits
from accelsim.types import Action, count_key

_PSUM_READS = count_key("psum_buffer", Action.READ_BITS)
_PSUM_WRITES = count_key("psum_buffer", Action.WRITE_BITS)
_REQUANTS = count_key("apsq", Action.REQUANT_OPS)
_ENGINE_READS = count_key("apsq", Action.READ_BITS)
_ENGINE_WRITES = count_key("apsq", Action.WRITE_BITS)
PSUM_KEYS = (_PSUM_READS, _PSUM_WRITES, _REQUANTS, _ENGINE_READS, _ENGINE_WRITES)
"""The keys ``psum_counts`` gives, in its order."""


def _ceil_div(num: float, den: float) -> int:
    return int(-(-num // den))


def psum_port_cycles(traffic: FoldTrafficBits, system: SystemSpec) -> int:
    """Cycles the PSUM buffer's ports need for one fold's PSUM reads and writes (0 without
    a buffer)."""
    buffer = system.psum_buffer
    if buffer is None:
        return 0
    read_rate = buffer.width_bits * buffer.banks * buffer.read_ports
    write_rate = buffer.width_bits * buffer.banks * buffer.write_ports
    return max(_ceil_div(traffic.psum_read_bits, read_rate),
               _ceil_div(traffic.psum_write_bits, write_rate))


def psum_counts(traffic: FoldTrafficBits, folds: int) -> dict[str, int]:
    """Counted actions of ``folds`` identical folds: ``psum_buffer.read_bits`` /
    ``write_bits``, ``apsq.requant_ops`` and the engine's open-group bits ``apsq.read_bits`` /
    ``write_bits`` (zeros left out)."""
    counts = {_PSUM_READS: folds * traffic.psum_read_bits,
              _PSUM_WRITES: folds * traffic.psum_write_bits,
              _REQUANTS: folds * traffic.requant_ops,
              _ENGINE_READS: folds * traffic.engine_read_bits,
              _ENGINE_WRITES: folds * traffic.engine_write_bits}
    return {key: value for key, value in counts.items() if value}
