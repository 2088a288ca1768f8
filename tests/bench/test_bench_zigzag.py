"""bench/bench_zigzag.py's pure helpers (compulsory traffic, layer and hardware translation) and,
marked slow, one round trip through bench/zigzag_driver.py with the real ZigZag."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

import accelsim

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_zigzag as bz  # noqa: E402

TINY_CONV = bz.Layer("tiny_conv", "conv2d", channels=2, filters=3, ifmap=(4, 4), kernel=3,
                     stride=1, padding=1)
TINY_GEMM = bz.Layer.gemm("tiny_gemm", m=2, k=3, n=4)


def test_compulsory_traffic_of_a_tiny_conv_reads_each_operand_once():
    # 4x4x2 input, 3x3x2x3 weights, 4x4x3 output ('same' padding), 8 bits each
    assert bz.compulsory_bits(TINY_CONV) == {"ifmap": 256, "weight": 432, "ofmap": 384}


def test_compulsory_traffic_of_a_gemm_counts_a_b_and_the_output():
    assert bz.compulsory_bits(TINY_GEMM) == {"ifmap": 2 * 3 * 8, "weight": 3 * 4 * 8,
                                             "ofmap": 2 * 4 * 8}
    assert bz.compulsory_bits(TINY_GEMM, 4, 2, 16) == {"ifmap": 24, "weight": 24, "ofmap": 128}


def test_a_1x1_stride_2_conv_needs_only_the_pixels_it_samples():
    layer = bz.Layer("ds", "conv2d", channels=2, filters=3, ifmap=(6, 6), kernel=1, stride=2)
    assert layer.ofmap == (3, 3)
    assert bz.compulsory_bits(layer)["ifmap"] == 3 * 3 * 2 * 8
    three = bz.Layer("s2", "conv2d", channels=2, filters=3, ifmap=(6, 6), kernel=3, stride=2,
                     padding=1)  # a 3x3 window at stride 2 reads every pixel
    assert bz.compulsory_bits(three)["ifmap"] == 6 * 6 * 2 * 8


def test_strided_conv_output_shape_and_macs():
    layer = bz.Layer("s2", "conv2d", channels=64, filters=128, ifmap=(56, 56), kernel=3,
                     stride=2, padding=1)
    assert layer.ofmap == (28, 28)
    assert layer.macs == 28 * 28 * 128 * 64 * 9


def test_resnet18_has_its_twenty_convolutions():
    layers = bz.resnet18_layers()
    assert len(layers) == 20
    assert sum(layer.macs for layer in layers) + 512 * 1000 == 1_814_073_344  # ResNet-18 MACs


def test_zigzag_layer_carries_the_shape_and_precisions():
    doc = bz.zigzag_layer(TINY_CONV, layer_id=3)
    sizes = dict(zip(doc["loop_dims"], doc["loop_sizes"], strict=True))
    assert sizes == {"B": 1, "K": 3, "C": 2, "OY": 4, "OX": 4, "FY": 3, "FX": 3}
    assert doc["operand_precision"] == {"W": 8, "I": 8, "O": 32, "O_final": 8}
    assert doc["padding"] == [[1, 1], [1, 1]] and doc["pr_loop_sizes"] == [4, 4]


def test_zigzag_costs_per_bit_are_accelsims_action_energies():
    spec = accelsim.load(bz.CONFIG)
    energies = bz.action_energies(spec)
    memories = bz.zigzag_accelerator(spec.system, energies)["memories"]
    for name, key in (("sram_ifmap", "sram.ifmap"), ("sram_weight", "sram.weight"),
                      ("sram_ofmap", "sram.ofmap"), ("dram", "dram")):
        width = memories[name]["ports"][0]["bandwidth_max"]
        for cost, action in (("r_cost", "read_bits"), ("w_cost", "write_bits")):
            per_bit_pj = memories[name][cost] / width
            assert per_bit_pj == pytest.approx(energies[f"{key}.{action}"] * 1e12)
    assert memories["sram_ofmap"]["ports"][0]["bandwidth_max"] == 1024  # 4 banks x 256 b
    assert memories["sram_ifmap"]["size"] == 64 * 1024 * 8


def test_energy_splits_sort_levels_alike():
    theirs = {"mac_energy_pj": 5.0, "mem_energy_pj": {"I": [1.0, 2.0, 3.0], "O": [4.0, 5.0, 6.0]}}
    assert bz.zigzag_split_pj(theirs) == {"MAC": 5.0, "reg": 5.0, "SRAM": 7.0, "DRAM": 9.0}
    energies = {"array.mac": 1e-12, "array.reg_write_bits": 2e-12, "array.pe_busy_cycles": 0.0,
                "sram.ifmap.read_bits": 3e-12, "dram.read_bits": 4e-12}
    counts = {"array.mac": 2, "array.reg_write_bits": 1, "array.pe_busy_cycles": 9,
              "sram.ifmap.read_bits": 1, "dram.read_bits": 2}
    assert bz.accelsim_split_pj(counts, energies) == pytest.approx(
        {"MAC": 2.0, "reg": 2.0, "SRAM": 3.0, "DRAM": 8.0})


def test_accelsim_moves_at_least_the_compulsory_traffic_of_the_tiny_layers(tmp_path):
    for layer in (TINY_CONV, TINY_GEMM):
        path = tmp_path / f"{layer.name}.yaml"
        path.write_text(yaml.safe_dump(bz.accelsim_workload(layer)))
        (row,) = accelsim.run(bz.CONFIG, workload=path).to_dict()["layers"]
        counts = row["counts"]
        assert row["macs"] == layer.macs
        assert counts["dram.read_bits"] >= (bz.compulsory_bits(layer)["ifmap"]
                                            + bz.compulsory_bits(layer)["weight"])
        assert counts["dram.write_bits"] >= bz.compulsory_bits(layer)["ofmap"]


@pytest.mark.slow
def test_driver_round_trip_on_a_tiny_layer(tmp_path):
    python = bz.zigzag_python()
    if python is None:
        pytest.skip("ZigZag environment missing: run `make zigzag-env`")
    spec = accelsim.load(bz.CONFIG)
    energies = bz.action_energies(spec)
    request = {"accelerator": bz.zigzag_accelerator(spec.system, energies),
               "mapping": bz.zigzag_mapping(spec.system), "opt": "energy", "lpf_limit": 4,
               "layers": [bz.zigzag_layer(TINY_CONV)]}
    answer = bz.run_zigzag(python, request, tmp_path)
    assert answer["zigzag_version"] == "3.9.1" and answer["peak_rss_mib"] > 0
    (layer,) = answer["layers"]
    assert layer["name"] == "tiny_conv" and layer["evaluations"] >= 1
    compulsory = bz.compulsory_bits(TINY_CONV)
    bits = layer["dram_bits"]
    assert bits["I"]["read"] >= compulsory["ifmap"]
    assert bits["W"]["read"] == compulsory["weight"]  # the tiny layer's weights fit on chip
    assert bits["O"]["write"] >= compulsory["ofmap"]
    mac_pj = TINY_CONV.macs * energies["array.mac"] * 1e12
    assert layer["mac_energy_pj"] == pytest.approx(mac_pj)
    assert layer["energy_pj"] > mac_pj and layer["cycles"] >= layer["ideal_cycles"] > 0
