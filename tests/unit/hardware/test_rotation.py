"""The local rotation unit's cycles and butterfly counts (hardware/rotation.py)."""

from __future__ import annotations

from accelsim.config.rotation_spec import RotationSpec
from accelsim.hardware.rotation import rotation_counts, rotation_cycles


def test_overlapping_rotations_double_the_work() -> None:
    one = RotationSpec(overlapping=False, lanes=64, depth=6)
    two = RotationSpec(overlapping=True, lanes=64, depth=6)
    assert rotation_cycles(4096, one) == 6 + 64
    assert rotation_cycles(4096, two) == 6 + 128
    assert rotation_counts(4096, one) == {"rotation.butterfly_ops": 4096 * 6}
    assert rotation_counts(4096, two) == {"rotation.butterfly_ops": 2 * 4096 * 6}


def test_nothing_to_rotate_takes_no_time() -> None:
    assert rotation_cycles(0, RotationSpec()) == 0
    assert rotation_cycles(1, RotationSpec(lanes=64)) == 6 + 1
