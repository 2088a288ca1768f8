"""Fuzz the config front door: no input, however broken, gets past it as a traceback.

Start from the repository's valid run config and system file (written to a temporary
directory with a two-layer workload) and mutate them: keys renamed, deleted or added; values
retyped; quantities given wrong units and numbers out of range; the YAML text itself garbled or
truncated; ``--set`` overrides with random keys and values. Each mutation goes through
``accelsim validate`` in-process, and a sample of the configs it accepts through ``accelsim run``
with a JSON report. The contract checked every time:

- exit code 0 or 2 (1 would be an internal error, any other exception a crash);
- on 2, stderr is exactly one line starting ``accelsim: error: `` and holding no traceback, and
  a pre-existing ``--json`` file is left untouched;
- on 0, stderr is empty and the JSON report parses with ``cycles = compute + stall``.

The same mutations then start from every newer config family (temporal PEs, PSUM buffer + APSQ,
chiplets + MoE, ReRAM + LLM decode + nonlinear unit), each with a toy workload so that runs stay
cheap, with ``--set`` aimed at that family's section; SCALE-Sim ``.cfg`` files and topology CSVs
get line-level INI and cell-level CSV mutations through ``accelsim run --topology``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from accelsim import cli
from accelsim.config import RunSpec, SystemSpec

REPO = Path(__file__).resolve().parents[2]
TABLES = REPO / "accelsim" / "data" / "tables" / "default_45nm.yaml"
SENTINEL = "previous report\n"
WORKLOAD = """\
schema: accelsim.workload/1
name: tiny
layers:
  - {name: fc, op: gemm, m: 4, n: 8, k: 16}
  - {name: conv, op: conv2d, ifmap: 6, channels: 3, filters: 4, kernel: 3}
"""

#: 500 examples per strategy (2,000 in all, plus 4 x 375 for the families below) keep the file
#: near 60 s; set ACCELSIM_FUZZ_EXAMPLES higher for a deeper hunt (4 x 4,000 ran clean in about
#: 4 minutes on 2 cores; run it under ``ulimit -v`` so that a runaway allocation fails the test
#: instead of waking the OOM killer).
FUZZ = settings(max_examples=int(os.environ.get("ACCELSIM_FUZZ_EXAMPLES", "500")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def _base_documents() -> tuple[dict, dict]:
    """The repository's int8_sa run config and its system file, every section spelled out."""
    run = yaml.safe_load((REPO / "configs" / "int8_sa.yaml").read_text())
    run.update(system="sys.yaml", workload="wl.yaml",
               mapping={"fold_order": "rows_first", "stream_tiling": "auto"},
               sim={"seed": 0, "timeline": False})
    system = yaml.safe_load((REPO / "configs" / "systems" / "int8_32x32.yaml").read_text())
    system["tables"] = [str(TABLES)]
    system["dram"]["energy_per_bit"] = "8pJ/bit"
    _spell_out_defaults(system, SystemSpec)
    return run, system


def _spell_out_defaults(section: dict, model: type[BaseModel]) -> None:
    """Write out the default-valued sections the file leaves out (``array.temporal``, ...), so
    that their keys get mutated too; sections holding quantities are left to their defaults."""
    for name, field in model.model_fields.items():
        key = field.alias or name
        nested = field.annotation
        if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
            continue
        if isinstance(section.get(key), dict):
            _spell_out_defaults(section[key], nested)
        elif key not in section and field.default_factory is not None:
            dumped = nested().model_dump(mode="json", by_alias=True)
            if not any(isinstance(value, float) for value in dumped.values()):
                section[key] = dumped


BASE_RUN, BASE_SYSTEM = _base_documents()
BASE_RUN_TEXT = yaml.safe_dump(BASE_RUN, sort_keys=False)
BASE_SYSTEM_TEXT = yaml.safe_dump(BASE_SYSTEM, sort_keys=False)


def _spec_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every dotted key a user may write (``system.sram.ifmap.capacity``, ...)."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        yield path
        annotation = field.annotation
        nested = [a for a in (annotation, *getattr(annotation, "__args__", ()))
                  if isinstance(a, type) and issubclass(a, BaseModel)]
        for sub in nested[:1]:
            yield from _spec_paths(sub, f"{path}.")


KEY_PATHS = sorted(set(_spec_paths(RunSpec)))

# ---------------------------------------------------------------- strategies

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["", "ws", "os", "is", "auto", "64KiB", "1GHz"]),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=6), SCALARS, max_size=3),
)
NUMBERS = st.one_of(
    st.sampled_from([0, -1, 1, 2, 3, 7, 31, 32, 33, 64, 1024, 65535, 65536, 65537, -(2**63),
                     2**31, 2**63, 2**64, 10**30]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)
UNIT_NAMES = [
    "", "b", "B", "bit", "bits", "KB", "KiB", "kB", "MB", "MiB", "GiB", "TB", "Kb", "Mib",
    "Hz", "kHz", "MHz", "GHz", "THz", "s", "ms", "us", "µs", "ns", "ps", "fs",
    "J", "pJ", "nJ", "fJ", "pJ/bit", "pJ/b", "J/bit", "B/s", "GB/s", "Gb/s", "Mbps", "bit/s",
    "m2", "mm2", "um2", "µm²", "um^2", "W", "mW", "uW", "m", "nm", "mm", "V", "mV",
    "KB/s", "GHZ", "gb", "xB", "b/", "/s", "%", "K", "i", "KiBs", "Hz/s", "pJ/bits",
]
NUMBER_TEXT = st.one_of(
    st.sampled_from(["0", "-0", "1", "-1", "1.5", ".5", "5.", "1e3", "1e-3", "1E400", "-1e400",
                     "nan", "inf", "99999999999999999999999", "0x10", "1_000", "+2", "--1"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**6), 10**6).map(str),
)
EXTREME_TEXT = st.one_of(
    st.sampled_from(["1e-300", "1e-30", "1e-12", "0.001", "1e12", "1e30", "1e300", "4e-324"]),
    st.floats(min_value=1e-300, max_value=1e300).map(repr),
    st.integers(1, 10**12).map(str),
)
QUANTITIES = st.builds(lambda n, sep, u: f"{n}{sep}{u}", NUMBER_TEXT,
                       st.sampled_from(["", "", " ", "  ", "\t"]), st.sampled_from(UNIT_NAMES))
YAML_CHARS = st.sampled_from(list(":-[]{}#&*!|>'\"%@`,?\t\n ") + ["\r", "\x00", "é", "\u2028",
                                                                  "\ufeff", "  ", "- "])
NOISE = st.one_of(st.text(max_size=20),
                  st.lists(st.one_of(YAML_CHARS, st.text(max_size=3)), max_size=8).map("".join))


def _typo(word: str) -> st.SearchStrategy[str]:
    """Near misses of ``word``: one character dropped, doubled, replaced or swapped."""
    positions = st.integers(0, max(len(word) - 1, 0))
    letters = st.sampled_from("abcdefghijklmnopqrstuvwxyz_.0 ")
    return st.one_of(
        positions.map(lambda i: word[:i] + word[i + 1:]),
        positions.map(lambda i: word[:i + 1] + word[i:]),
        st.tuples(positions, letters).map(lambda t: word[:t[0]] + t[1] + word[t[0] + 1:]),
        positions.map(lambda i: word[:i] + word[i + 1:i + 2] + word[i:i + 1] + word[i + 2:]),
        st.just(word.upper()),
        st.text(max_size=10),
    )


# ---------------------------------------------------------------- running the CLI


@dataclass(frozen=True)
class Workspace:
    """Files of one fuzz test; every example overwrites them."""

    root: Path

    @property
    def run(self) -> Path:
        return self.root / "run.yaml"

    @property
    def system(self) -> Path:
        return self.root / "sys.yaml"

    @property
    def report(self) -> Path:
        return self.root / "report.json"

    def write(self, run: str | bytes, system: str | bytes) -> None:
        for path, content in ((self.run, run), (self.system, system)):
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "wl.yaml").write_text(WORKLOAD)
    return Workspace(root)


def call_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def check_outcome(code: int, err: str) -> None:
    """Exit 0 with a silent stderr, or exit 2 with exactly one clean error line."""
    assert code in (0, 2), f"exit code {code}: {err}"
    if code == 0:
        assert err == "", err
        return
    assert err.startswith("accelsim: error: "), err
    assert err.endswith("\n") and len(err.splitlines()) == 1, repr(err)
    # no traceback or stack frame leaks into the message (a frame names a file and a line;
    # the message may echo the fuzzed input, which can hold any word)
    assert "Traceback (most recent call last)" not in err, err
    assert re.search(r'File "[^"]+", line \d+', err) is None, err


def validate_then_maybe_run(ws: Workspace, extra: list[str], run_it: bool) -> int:
    """``accelsim validate``; when it passes and ``run_it``, ``accelsim run --json`` too."""
    code, _, err = call_cli(["validate", str(ws.run), *extra])
    check_outcome(code, err)
    event(f"validate exit {code}")
    if code == 0 and run_it:
        ws.report.write_text(SENTINEL)
        code, out, err = call_cli(["run", str(ws.run), *extra, "--json", str(ws.report)])
        check_outcome(code, err)
        event(f"run exit {code}")
        if code == 0:
            report = json.loads(ws.report.read_text())
            assert report["schema"] == "accelsim.report/1"
            totals = report["totals"]
            assert totals["cycles"] == totals["compute_cycles"] + totals["stall_cycles"]
            assert f"wrote {ws.report}" in out
        else:
            assert ws.report.read_text() == SENTINEL  # a failed run leaves the old file alone
    return code


RUN_SOME = st.booleans()  # about half of the configs that validate also run


# ---------------------------------------------------------------- tree mutations


def _slots(node: object) -> list[tuple[object, object]]:
    """Every (container, key-or-index) in a parsed document, depth first."""
    found: list[tuple[object, object]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, value in items:
        found.append((node, key))
        found.extend(_slots(value))
    return found


def _mutate_once(data: st.DataObject, doc: dict) -> None:
    slots = _slots(doc)
    container, key = data.draw(st.sampled_from(slots), label="slot")
    op = data.draw(st.sampled_from(["rename", "delete", "retype", "add", "null", "nest"]),
                   label="op")
    if op == "rename" and isinstance(container, dict):
        new = data.draw(_typo(str(key)), label="new key")
        container[new] = container.pop(key)
    elif op == "delete":
        del container[key]  # type: ignore[attr-defined]
    elif op == "retype":
        container[key] = data.draw(VALUES, label="value")  # type: ignore[index]
    elif op == "add":
        target = container if isinstance(container, dict) else doc
        target[data.draw(_typo(str(key)), label="added key")] = data.draw(VALUES)
    elif op == "null":
        container[key] = None  # type: ignore[index]
    else:
        container[key] = {"x": container[key]}  # type: ignore[index]


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_renamed_deleted_and_retyped_keys(workspace: Workspace, data: st.DataObject) -> None:
    run, system = copy.deepcopy(BASE_RUN), copy.deepcopy(BASE_SYSTEM)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        _mutate_once(data, data.draw(st.sampled_from([run, system]), label="file"))
    text = [yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) for doc in (run, system)]
    workspace.write(*text)
    validate_then_maybe_run(workspace, [], data.draw(RUN_SOME))


# ---------------------------------------------------------------- units and numbers


def _unit_of(text: str) -> str:
    """``'64KiB'`` -> ``'KiB'``; ``''`` for text that is not a number with a unit."""
    unit = text.lstrip("0123456789.+-eE ")
    return unit if unit != text and unit.isprintable() else ""


def _leaves(doc: dict) -> list[tuple[dict, str, object]]:
    return [(c, k, c[k]) for c, k in _slots(doc)  # type: ignore[index]
            if isinstance(c, dict) and not isinstance(c[k], dict | list)]


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_wrong_units_and_out_of_range_numbers(workspace: Workspace,
                                                   data: st.DataObject) -> None:
    run, system = copy.deepcopy(BASE_RUN), copy.deepcopy(BASE_SYSTEM)
    leaves = _leaves(run) + _leaves(system)
    quantities = [leaf for leaf in leaves if isinstance(leaf[2], str) and _unit_of(leaf[2])]
    integers = [leaf for leaf in leaves if type(leaf[2]) is int]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        what = data.draw(st.sampled_from(["same unit", "any unit", "integer"]), label="what")
        if what == "same unit":  # a number of the right kind, but extreme: 0, 1e-300, 1e30
            container, key, old = data.draw(st.sampled_from(quantities), label="quantity")
            number = data.draw(st.one_of(NUMBER_TEXT, EXTREME_TEXT), label="number")
            container[key] = f"{number}{_unit_of(old)}"
        elif what == "any unit":
            container, key, _ = data.draw(st.sampled_from(quantities), label="quantity")
            container[key] = data.draw(st.one_of(QUANTITIES, NUMBERS), label="value")
        else:
            container, key, _ = data.draw(st.sampled_from(integers), label="integer")
            container[key] = data.draw(st.one_of(NUMBERS, QUANTITIES), label="value")
    text = [yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) for doc in (run, system)]
    workspace.write(*text)
    validate_then_maybe_run(workspace, [], data.draw(RUN_SOME))


# ---------------------------------------------------------------- garbage text


def _garble(data: st.DataObject, text: str) -> str | bytes:
    op = data.draw(st.sampled_from(["truncate", "insert", "replace", "bytes", "text", "tab"]),
                   label="op")
    cut = data.draw(st.integers(0, len(text)), label="at")
    if op == "truncate":
        return text[:cut]
    if op == "insert":
        return text[:cut] + data.draw(NOISE, label="noise") + text[cut:]
    if op == "replace":
        end = data.draw(st.integers(cut, min(len(text), cut + 20)), label="to")
        return text[:cut] + data.draw(NOISE, label="noise") + text[end:]
    if op == "bytes":
        return data.draw(st.binary(max_size=120), label="bytes")
    if op == "text":
        return data.draw(st.text(max_size=120), label="text")
    line_start = text.rfind("\n", 0, cut) + 1
    return text[:line_start] + "\t" + text[line_start:]


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_garbage_yaml_text(workspace: Workspace, data: st.DataObject) -> None:
    run, system = BASE_RUN_TEXT, BASE_SYSTEM_TEXT
    if data.draw(st.booleans(), label="garble the run config?"):
        run = _garble(data, run)  # type: ignore[assignment]
    else:
        system = _garble(data, system)  # type: ignore[assignment]
    workspace.write(run, system)
    validate_then_maybe_run(workspace, [], data.draw(RUN_SOME))


# ---------------------------------------------------------------- --set overrides

GOOD_OVERRIDES = st.sampled_from([
    "system.array.rows=1", "system.array.cols=1", "system.array.rows=7", "system.array.cols=64",
    "system.array.dataflow=os", "system.array.dataflow=is", "system.clock=2GHz",
    "system.clock=1kHz", "system.sram.ifmap.capacity=1KiB", "system.sram.weight.capacity=64b",
    "system.sram.ofmap.capacity=2MiB", "system.sram.ifmap.width=8b", "system.sram.ofmap.banks=4",
    "system.sram.weight.double_buffered=false", "system.dram.bandwidth=1Mb/s",
    "system.dram.latency=0s", "system.dram.energy_per_bit=null", "system.technology.node=28nm",
    "system.array.precision.weight_bits=4", "system.array.precision.psum_bits=16",
    "mapping.fold_order=cols_first", "mapping.stream_tiling=none", "sim.seed=123",
    "sim.timeline=true", "name=other", "system.name=x", "system.array.pe=temporal",
    "system.array.temporal.policy=per_row", "system.array.temporal.policy=worst_case",
    "system.array.temporal.code=segmented",
])
OVERRIDE_KEYS = st.one_of(
    st.sampled_from(KEY_PATHS),
    st.sampled_from(KEY_PATHS).flatmap(_typo),
    st.sampled_from(KEY_PATHS).map(lambda path: path + ".x"),  # through a scalar
    st.text(max_size=20),
)
OVERRIDE_VALUES = st.one_of(
    QUANTITIES, NUMBER_TEXT, NOISE,
    VALUES.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip().removesuffix("...")),
)


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_set_overrides(workspace: Workspace, data: st.DataObject) -> None:
    workspace.write(BASE_RUN_TEXT, BASE_SYSTEM_TEXT)
    extra: list[str] = []
    for _ in range(data.draw(st.integers(1, 3), label="overrides")):
        kind = data.draw(st.integers(0, 9), label="kind")
        if kind == 0:
            extra += ["--set", data.draw(st.text(max_size=20), label="raw")]
        elif kind <= 5:
            extra += ["--set", data.draw(GOOD_OVERRIDES, label="plausible")]
        else:
            key = data.draw(OVERRIDE_KEYS, label="key")
            extra += ["--set", f"{key}={data.draw(OVERRIDE_VALUES, label='value')}"]
    validate_then_maybe_run(workspace, extra, data.draw(RUN_SOME))


# ---------------------------------------------------------------- other config families
#
# Each family starts from a repository config of a newer section (temporal PEs, PSUM buffer +
# APSQ, chiplets + MoE, ReRAM + LLM decode + nonlinear unit) with its workload shrunk to a toy so
# that runs stay cheap; the same tree, unit, text and ``--set`` mutations apply to it.

#: Three quarters of FUZZ per family strategy: the toy workloads run in 5-40 ms, so the whole
#: file stays near 60 s on a loaded 2-core machine.
FAMILY_FUZZ = settings(FUZZ, max_examples=max(FUZZ.max_examples * 3 // 4, 10))
TINY_MOE = """\
schema: accelsim.moe/1
name: tiny_moe
d_model: 64
experts: 8
top_k: 2
shared_experts: 1
expert_ffn: 32
matrices: 3
layers: 2
"""
TINY_LLM = """\
schema: accelsim.llm/1
name: {name}
source: toy
hidden: {hidden}
layers: 2
heads: 2
ffn: {ffn}
ffn_kind: gated
vocab: 256
"""


def _family(run_file: str, system_file: str | None, **run_updates: object) -> tuple[dict, dict]:
    """A repository run config (and its system file, or its inline system), pointed at the
    workspace's files and toy workloads, every section spelled out as in `_base_documents`."""
    run = yaml.safe_load((REPO / "configs" / run_file).read_text())
    run.update(workload="wl.yaml", **run_updates)
    system = yaml.safe_load((REPO / "configs" / system_file).read_text()) if system_file \
        else run.pop("system")
    _spell_out_defaults(system, SystemSpec)
    run["system"] = "sys.yaml"
    return run, system


def _family_documents() -> dict[str, tuple[dict, dict, dict[str, str]]]:
    """Family name -> (run config, system file, workload files written beside them)."""
    tiny = {"wl.yaml": WORKLOAD}
    k_tiled = {"wl.yaml": WORKLOAD.replace("k: 16", "k: 100").replace("channels: 3", "channels: 8")}
    llm = {"wl.yaml": TINY_LLM.format(name="target", hidden=64, ffn=128),
           "draft.yaml": TINY_LLM.format(name="draft", hidden=32, ffn=64)}
    moe_run, moe_system = _family("moe_chiplet_fsedp.yaml", "chiplets/moe_chiplet_2048.yaml")
    moe_run["chiplets"]["moe"]["tokens"] = 8
    reram_run, reram_system = _family("reram_llm.yaml", "systems/reram_chip_55nm.yaml")
    reram_run["llm"].update(draft="draft.yaml", kv_len=16)
    return {
        "temporal": (*_family("fineq_sa.yaml", "systems/fineq_32x32.yaml"), tiny),
        "apsq_ws": (*_family("apsq_ws.yaml", None), k_tiled),
        "psum32_is": (*_family("psum32_is.yaml", None), k_tiled),
        "moe_chiplet": (moe_run, moe_system, {"wl.yaml": TINY_MOE}),
        "reram_llm": (reram_run, reram_system, llm),
    }


FAMILIES = _family_documents()
FAMILY_SECTIONS = {  # the --set keys each family's mutations aim at
    "temporal": "system.array.temporal.", "apsq_ws": "system.psum_buffer.",
    "psum32_is": "system.psum_buffer.", "moe_chiplet": "chiplets.",
    "reram_llm": ("llm.", "system.reram.", "system.nonlinear."),
}
FAMILY_NAMES = st.sampled_from(sorted(FAMILIES))
FAMILY_VALUES = sorted({str(value).lower() if isinstance(value, bool) else str(value)
                        for run, system, _ in FAMILIES.values()
                        for _, _, value in _leaves(run) + _leaves(system)
                        if not str(value).startswith("/")})


@pytest.fixture(scope="module")
def family_workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    spaces = {}
    for name, (_, _, files) in FAMILIES.items():
        root = tmp_path_factory.mktemp(f"fuzz_{name}")
        for file, text in files.items():
            (root / file).write_text(text)
        spaces[name] = Workspace(root)
    return spaces


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_base_config_runs(family_workspaces: dict[str, Workspace], name: str) -> None:
    """The fuzz starts from configs that pass, so a rejection is the mutation's doing."""
    ws = family_workspaces[name]
    ws.write(*(yaml.safe_dump(doc, sort_keys=False) for doc in FAMILIES[name][:2]))
    for argv in (["validate", str(ws.run)], ["run", str(ws.run), "--json", str(ws.report)]):
        assert call_cli(argv)[0::2] == (0, ""), argv
    assert json.loads(ws.report.read_text())["totals"]["cycles"] > 0


def _draw_family(data: st.DataObject,
                 spaces: dict[str, Workspace]) -> tuple[Workspace, dict, dict]:
    name = data.draw(FAMILY_NAMES, label="family")
    run, system, _ = FAMILIES[name]
    return spaces[name], copy.deepcopy(run), copy.deepcopy(system)


@pytest.mark.slow
@FAMILY_FUZZ
@given(data=st.data())
def test_fuzz_families_renamed_deleted_and_retyped_keys(
        family_workspaces: dict[str, Workspace], data: st.DataObject) -> None:
    ws, run, system = _draw_family(data, family_workspaces)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        _mutate_once(data, data.draw(st.sampled_from([run, system]), label="file"))
    ws.write(*(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) for doc in (run, system)))
    validate_then_maybe_run(ws, [], data.draw(RUN_SOME))


@pytest.mark.slow
@FAMILY_FUZZ
@given(data=st.data())
def test_fuzz_families_units_numbers_and_text(
        family_workspaces: dict[str, Workspace], data: st.DataObject) -> None:
    ws, run, system = _draw_family(data, family_workspaces)
    leaves = _leaves(run) + _leaves(system)
    numeric = [leaf for leaf in leaves if type(leaf[2]) in (int, float) or
               isinstance(leaf[2], str) and _unit_of(leaf[2])]
    for _ in range(data.draw(st.integers(1, 2), label="mutations")):
        container, key, old = data.draw(st.sampled_from(numeric) | st.sampled_from(leaves),
                                        label="leaf")
        unit = _unit_of(old) if isinstance(old, str) else ""
        number = data.draw(st.one_of(NUMBER_TEXT, EXTREME_TEXT), label="number")
        container[key] = data.draw(st.sampled_from(
            [f"{number}{unit}", number, -1, 0, 2**63]) | QUANTITIES | NUMBERS, label="value")
    text = [yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) for doc in (run, system)]
    if data.draw(st.integers(0, 3), label="garble?") == 0:
        which = data.draw(st.integers(0, 1), label="garbled file")
        text[which] = _garble(data, text[which])  # type: ignore[call-overload]
    ws.write(*text)
    validate_then_maybe_run(ws, [], data.draw(RUN_SOME))


def _section_keys(prefixes: str | tuple[str, ...]) -> list[str]:
    return [path for path in KEY_PATHS if path.startswith(prefixes)]


@pytest.mark.slow
@FAMILY_FUZZ
@given(data=st.data())
def test_fuzz_families_set_overrides(family_workspaces: dict[str, Workspace],
                                     data: st.DataObject) -> None:
    name = data.draw(FAMILY_NAMES, label="family")
    run, system, _ = FAMILIES[name]
    ws = family_workspaces[name]
    ws.write(*(yaml.safe_dump(doc, sort_keys=False) for doc in (run, system)))
    keys = st.sampled_from(_section_keys(FAMILY_SECTIONS[name]))
    plausible = st.one_of(st.integers(0, 70).map(str), st.sampled_from(FAMILY_VALUES),
                          st.sampled_from(["[]", "[0]", "[3, 3]", "[[0, 1]]", "null", "{}"]))
    extra: list[str] = []
    for _ in range(data.draw(st.integers(1, 2), label="overrides")):
        key = data.draw(st.one_of(keys, keys, keys.flatmap(_typo), OVERRIDE_KEYS), label="key")
        value = data.draw(st.one_of(plausible, plausible, NUMBERS.map(str), OVERRIDE_VALUES),
                          label="value")
        extra += ["--set", f"{key}={value}"]
    validate_then_maybe_run(ws, extra, data.draw(RUN_SOME))


# ---------------------------------------------------------------- SCALE-Sim .cfg and topology

SCALESIM_CFG = (REPO / "configs" / "scalesim" / "google_32x32.cfg").read_text()
SCALESIM_CSV = """\
Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
conv1, 8, 8, 3, 3, 4, 8, 1,
fc, 1, 1, 1, 1, 16, 8, 1,
"""
CFG_VALUES = st.one_of(st.sampled_from(["0", "-1", "1", "32", "10,", "2,3", "os", "ws", "is",
                                        "True", "false", "CALC", "USER", "", "1e3", "0x20"]),
                       NUMBER_TEXT, NOISE)


def _mutate_ini(data: st.DataObject, text: str) -> str:
    """One line of the INI text changed: key renamed, line deleted, value replaced or doubled."""
    lines = text.splitlines()
    at = data.draw(st.integers(0, len(lines) - 1), label="line")
    key, sep, value = lines[at].partition(":" if ":" in lines[at] else "=")
    op = data.draw(st.sampled_from(["rename", "delete", "value", "duplicate"]), label="ini op")
    if op == "rename":
        lines[at] = data.draw(_typo(key.strip()), label="new key") + sep + value
    elif op == "delete":
        del lines[at]
    elif op == "value":
        lines[at] = f"{key}{sep or ':'} {data.draw(CFG_VALUES, label='value')}"
    else:
        lines.insert(at, lines[at])
    return "\n".join(lines) + "\n"


def _mutate_csv(data: st.DataObject, text: str) -> str:
    """One CSV cell replaced, a row cut short or duplicated, or a cell appended."""
    rows = [row.split(",") for row in text.splitlines()]
    at = data.draw(st.integers(0, len(rows) - 1), label="row")
    op = data.draw(st.sampled_from(["cell", "cut", "duplicate", "append"]), label="csv op")
    if op == "cell":
        col = data.draw(st.integers(0, len(rows[at]) - 1), label="column")
        rows[at][col] = data.draw(st.one_of(CFG_VALUES, NUMBERS.map(str)), label="cell")
    elif op == "cut":
        rows[at] = rows[at][:data.draw(st.integers(0, len(rows[at])), label="cells kept")]
    elif op == "duplicate":
        rows.insert(at, list(rows[at]))
    else:
        rows[at].append(data.draw(CFG_VALUES, label="extra cell"))
    return "\n".join(",".join(row) for row in rows) + "\n"


@pytest.fixture(scope="module")
def scalesim_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_scalesim")


@pytest.mark.slow
@FAMILY_FUZZ
@given(data=st.data())
def test_fuzz_scalesim_cfg_and_topology(scalesim_workspace: Path, data: st.DataObject) -> None:
    cfg, csv = SCALESIM_CFG, SCALESIM_CSV
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        if data.draw(st.booleans(), label="mutate the cfg?"):
            cfg = _mutate_ini(data, cfg)
        else:
            csv = _mutate_csv(data, csv)
    texts: list[str | bytes] = [cfg, csv]
    if data.draw(st.integers(0, 3), label="garble?") == 0:
        which = data.draw(st.integers(0, 1), label="garbled file")
        texts[which] = _garble(data, str(texts[which]))
    paths = [scalesim_workspace / "run.cfg", scalesim_workspace / "topo.csv"]
    for path, content in zip(paths, texts, strict=True):
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    report = scalesim_workspace / "report.json"
    report.write_text(SENTINEL)
    code, _, err = call_cli(["run", str(paths[0]), "--topology", str(paths[1]),
                             "--json", str(report)])
    check_outcome(code, err)
    event(f"scalesim run exit {code}")
    if code == 0:
        totals = json.loads(report.read_text())["totals"]
        assert totals["cycles"] == totals["compute_cycles"] + totals["stall_cycles"]
    else:
        assert report.read_text() == SENTINEL


# ---------------------------------------------------------------- determinism


def test_same_config_gives_byte_identical_json(workspace: Workspace) -> None:
    workspace.write(BASE_RUN_TEXT, BASE_SYSTEM_TEXT)
    reports = [workspace.root / "first.json", workspace.root / "second.json"]
    for report in reports:
        code, _, err = call_cli(["run", str(workspace.run), "--json", str(report)])
        assert (code, err) == (0, "")
    first, second = (report.read_bytes() for report in reports)
    assert first == second
    assert json.loads(first)["totals"]["cycles"] > 0
