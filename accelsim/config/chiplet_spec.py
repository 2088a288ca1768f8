"""A system of chiplets: how many, joined by which D2D links in which topology, DRAM channels
attached to which chiplets, and how layers are spread over them (dense partition, MoE strategy).

Every chiplet is the run's ``system`` (one reusable chiplet spec file); the run config adds a
``chiplets:`` section (docs/moe.md). Link timing presets carry cited figures
(../shared/docs/costs.md section 5); link *energy* lives in the cost tables
(``accelsim/data/tables/d2d_links.yaml``), looked up by ``phy`` like the DRAM's ``technology``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from accelsim.config.quantities import BandwidthBitsPerS, EnergyPerBitJ, TimeS, unit_default
from accelsim.config.system_spec import Spec

LinkPreset = Literal["ucie_standard", "ucie_advanced", "grs", "custom"]

# Timing defaults per preset: per-hop latency and flit format. Sources (costs.md section 5):
# UCIe ~2 ns round trip (convergedigest, Hot Interconnects 2025, V); GRS 20 ns/hop (Simba, U).
# The 64 B payload + 4 B header/CRC flit is the CXL/UCIe 68 B flit mode (assumption, U).
LINK_PRESETS: dict[str, dict[str, object]] = {
    "ucie_standard": {"phy": "ucie_standard", "latency": "2ns",
                      "flit_payload_bits": 512, "flit_overhead_bits": 32},
    "ucie_advanced": {"phy": "ucie_advanced", "latency": "2ns",
                      "flit_payload_bits": 512, "flit_overhead_bits": 32},
    "grs": {"phy": "grs", "latency": "20ns", "flit_payload_bits": 512, "flit_overhead_bits": 32},
    "custom": {},
}


class LinkSpec(Spec):
    """One D2D link type (every link of the system is one of these, full duplex: each
    direction has the whole bandwidth)."""

    preset: LinkPreset = Field(
        "ucie_advanced", description="Fills phy, latency and flit format: 'ucie_standard', "
        "'ucie_advanced' (2 ns), 'grs' (20 ns/hop); 'custom' sets nothing. Keys given here "
        "override the preset.")
    phy: str = Field("ucie_advanced", description="D2D entry in the cost tables (energy per "
                     "bit): ucie_standard, ucie_advanced, grs.")
    bandwidth_bits_per_s: BandwidthBitsPerS = Field(
        alias="bandwidth", description="Bandwidth per direction, e.g. '288GB/s'.")
    latency_s: TimeS = Field(unit_default("2ns"), alias="latency",
                             description="Latency per hop, e.g. '2ns'.")
    flit_payload_bits: StrictInt = Field(512, ge=1, le=1 << 20,
                                         description="Payload bits per flit.")
    flit_overhead_bits: StrictInt = Field(32, ge=0, le=1 << 20,
                                          description="Header/CRC bits per flit.")
    energy_per_bit_j: EnergyPerBitJ | None = Field(
        None, alias="energy_per_bit", description="Overrides the table's energy per wire bit.")

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        preset = data.get("preset", "ucie_advanced")
        defaults = LINK_PRESETS.get(preset, {}) if isinstance(preset, str) else {}
        return {**defaults, **data}


class MoeMappingSpec(Spec):
    """How a MoE FFN layer is scheduled over the chiplets."""

    strategy: Literal["ep", "fse_dp"] = Field(
        "fse_dp", description="'ep': expert parallelism (each expert lives on one chiplet, "
        "tokens move). 'fse_dp': experts cut into micro-slices; one copy of each slice streams "
        "over the chiplets that have its tokens (Expert Streaming).")
    micro_slices: StrictInt | None = Field(
        None, ge=1, le=4096, description="Micro-slices per expert (fse_dp). Default 16 "
        "(the Expert Streaming artifact); ep always moves whole experts.")
    expert_slots: StrictInt | None = Field(
        None, ge=1, le=4096, description="Weight slices one issue queue keeps in flight "
        "(allocated when their DRAM load starts, freed after their last compute); ep has one "
        "queue per chiplet, fse_dp one per DRAM channel. Default 2 for ep (double buffering), "
        "12 for fse_dp (the artifact's expert buffer slots).")
    pair_experts: StrictBool = Field(
        True, description="fse_dp: stream experts in heavy/light pairs (heaviest, lightest, "
        "second heaviest, ...) so loads of light experts overlap compute of heavy ones.")
    ep_placement: Literal["balanced", "modulo"] = Field(
        "balanced", description="ep: where experts live. 'balanced': heaviest first, each on "
        "the DRAM channel with the fewest weight bits so far, then on the least-loaded chiplet "
        "that has that channel among its nearest (every channel streams an equal share); "
        "'modulo': expert e on chiplet e mod N, loaded from its nearest channel (lowest id on "
        "a tie; unbalanced on meshes with more chiplets than channels).")
    trajectory: Literal["dynamic", "snake"] = Field(
        "dynamic", description="fse_dp: the order a slice visits its chiplets. 'dynamic': "
        "decided at run time, each next stop the one whose array has the least work queued "
        "(fewest hops, then lowest id, on a tie); 'snake': the fixed snake walk of the mesh "
        "from the slice's DRAM chiplet.")
    token_count: Literal["total", "per_chip"] = Field(
        "total", description="What 'tokens' counts: 'total' tokens spread over the chiplets "
        "(token t on chiplet t mod N); 'per_chip' tokens on every chiplet, each chiplet with "
        "the same routing (the Expert Streaming artifact's counting: N x tokens in all).")
    tokens: StrictInt = Field(64, ge=1, le=1 << 20,
                              description="Tokens in the batch (batch x sequence); see "
                              "token_count.")
    routing: str | None = Field(
        None, description="Routing trace (JSON, docs/moe.md), path relative to the config; "
        "default: generated with 'zipf' skew from sim.seed.")
    zipf: float = Field(
        1.0, ge=0, le=10, description="Skew of generated routing: expert popularity is "
        "1/rank^zipf (0 = uniform).")
    layers: StrictInt = Field(1, ge=1, le=1024,
                              description="MoE layers generated (a trace gives its own).")

    def slices(self) -> int:
        """Micro-slices per expert under this strategy."""
        if self.strategy == "ep":
            return 1
        return 16 if self.micro_slices is None else self.micro_slices

    def slots(self) -> int:
        """Slices in flight per DRAM channel."""
        if self.expert_slots is not None:
            return self.expert_slots
        return 2 if self.strategy == "ep" else 12


class ChipletSystemSpec(Spec):
    """Chiplets (each one the run's ``system``) joined by D2D links."""

    topology: Literal["mesh", "ring", "fully_connected", "custom"] = Field(
        "mesh", description="'mesh' (rows x cols, dimension-ordered X-then-Y routing), 'ring', "
        "'fully_connected', or 'custom' (the 'links' list; shortest-path routing).")
    rows: StrictInt = Field(2, ge=1, le=64, description="Chiplet rows (chiplet id = r*cols+c).")
    cols: StrictInt = Field(2, ge=1, le=64, description="Chiplet columns.")
    links: tuple[tuple[StrictInt, StrictInt], ...] = Field(
        (), description="custom topology: chiplet id pairs joined by a link, e.g. [[0, 1]].")
    link: LinkSpec | None = Field(None, description="The D2D link (every link of the "
                                  "system); required with more than one chiplet.")
    dram_at: tuple[StrictInt, ...] | None = Field(
        None, description="Chiplets with a DRAM channel (each like system.dram). Default: "
        "the corners of the mesh (every chiplet of a ring / fully connected system).")
    dram_sharing: Literal["private", "shared"] = Field(
        "private", description="'private': each dram_at channel serves the chiplet it sits at "
        "(others reach it over the links); 'shared': the dram_at channels form one pool that "
        "every chiplet reads over its own memory bus, each getting an equal share of the "
        "pool's bandwidth (LLM runs only; docs/reram.md).")
    compute: Literal["array", "ideal"] = Field(
        "array", description="Cycles of a chiplet's compute task: 'array' is the systolic "
        "array's exact timing for the task's GEMMs (weight fills included; at a few tokens "
        "they dominate); 'ideal' is MACs / PEs, full utilization at any batch (the Expert "
        "Streaming artifact's assumption).")
    partition: Literal["n", "m", "k"] = Field(
        "n", description="Dense GEMMs: split by output channels (n), tokens (m) or the "
        "reduction (k, partial sums reduced on chiplet 0).")
    moe: MoeMappingSpec = Field(default_factory=MoeMappingSpec,
                                description="MoE FFN scheduling.")

    @property
    def count(self) -> int:
        """Number of chiplets."""
        return self.rows * self.cols

    @field_validator("dram_at")
    @classmethod
    def _some_dram(cls, dram_at: tuple[int, ...] | None) -> tuple[int, ...] | None:
        """Weights and experts stream from DRAM: with no channel nothing can be loaded."""
        if dram_at is not None and not dram_at:
            raise ValueError("expected at least one chiplet id (weights stream from DRAM); "
                             "omit dram_at for the default placement")
        return dram_at

    @model_validator(mode="after")
    def _ids_exist(self) -> ChipletSystemSpec:
        last = self.count - 1
        if self.link is None and self.count > 1:
            raise ValueError(f"{self.count} chiplets need a 'link'")
        if self.topology == "custom" and not self.links and self.count > 1:
            raise ValueError("a custom topology needs 'links'")
        if self.topology != "custom" and self.links:
            raise ValueError(f"'links' is for topology 'custom'; {self.topology!r} generates "
                             "its own")
        for index, (a, b) in enumerate(self.links):
            for end in (a, b):
                if not 0 <= end <= last:
                    raise ValueError(f"link {index} [{a}, {b}] names chiplet {end}, which does "
                                     f"not exist (chiplets are 0..{last})")
            if a == b:
                raise ValueError(f"link {index} [{a}, {b}] joins a chiplet to itself")
        for end in self.dram_at or ():
            if not 0 <= end <= last:
                raise ValueError(f"dram_at names chiplet {end}, which does not exist "
                                 f"(chiplets are 0..{last})")
        if self.topology == "custom":
            _check_connected(self.links, self.count)
        return self


def _check_connected(links: tuple[tuple[int, int], ...], count: int) -> None:
    """Every chiplet must reach chiplet 0, or some transfers have no route."""
    reached, frontier = {0}, [0]
    while frontier:
        node = frontier.pop()
        for a, b in links:
            for here, there in ((a, b), (b, a)):
                if here == node and there not in reached:
                    reached.add(there)
                    frontier.append(there)
    cut = sorted(set(range(count)) - reached)
    if cut:
        raise ValueError(f"the topology is disconnected: chiplet(s) {', '.join(map(str, cut))} "
                         "cannot reach chiplet 0")


def single_chip() -> ChipletSystemSpec:
    """One chiplet and no links: how a MoE model runs on a system without a ``chiplets:``
    section (its ``moe`` options then take their documented defaults)."""
    return ChipletSystemSpec(rows=1, cols=1)
