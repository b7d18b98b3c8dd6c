"""How a HiGHS model is solved: options chosen by size, the node budget, and its error.

The 20 s guard (`SolverSettings.deadline_s`) is the only wall-clock limit: a mixed-integer solve
stops after a number of branch-and-bound nodes, so its result never depends on the CPU.
"""

from dataclasses import dataclass

#: Above this many variables the LP's presolve pays for itself (measured: at 500 x 288 per step the
#: energy stage takes 20 s without it, 0.7 s with it; below ~20 000 it costs more than it saves).
#: The mixed-integer model never presolves: measured at 10 x 288, 1.3 s without, 5-7 s with.
PRESOLVE_MIN_COLUMNS = 20_000

#: Up to this many variables the LP runs unscaled: HiGHS's scaling costs more than it saves on a
#: home's model (measured, `minimums` sites: 10 x 288, 29-57 ms a schedule scaled against
#: 17-35 ms unscaled; 20 x 288, 209 against 126 ms), but at 40 x 480 (19 200) unscaled takes
#: 8 times as long.
UNSCALED_MAX_COLUMNS = 6000

#: Iterations of primal simplex a stage may ask for before dual simplex takes over (`Model`).
#: The cost stage with a previous plan, whose EVs of one priority are alike, is massively dual
#: degenerate, while the energy stage's optimum is nearly its own: measured at 50 x 480
#: (`phase-minimums`, one step on), dual simplex took 71 078 iterations (26 s) where primal took
#: 4 (28 ms); with prices, where the optimum is far from the energy stage's, primal alone took
#: 6-7 times longer than dual, and 200 primal iterations first cost about as much as they save.
PRIMAL_FIRST_ITERATIONS = 200

#: Branch-and-bound nodes per mixed-integer stage: deterministic work instead of seconds.
MIP_NODE_LIMIT = 200

#: Relative energy shortfall to a bound that still counts as optimal (0.1 %): the repair stops at
#: a schedule this close to its bound (`minimums.Score.reaches`), and the mixed-integer energy
#: stage at an incumbent this close to its own (HiGHS's `mip_rel_gap`; its default, 0.01 %, kept
#: a 1-minute home's search proving the last 0.1 % for 13 s, `minimums` 4 x 480, seed 0).
ENERGY_PROOF = 1e-3


class LinearProgramError(RuntimeError):
    """HiGHS did not reach an optimal solution (status in the message).

    `infeasible`: HiGHS found the stage's model infeasible (for a stage that holds the optima
    of the stages before it, round-off), rather than running out of time or failing.
    """

    def __init__(self, message: str, *, infeasible: bool = False) -> None:
        """Keep the message and whether the model was found infeasible."""
        super().__init__(message)
        self.infeasible = infeasible


@dataclass(kw_only=True, slots=True)
class NodeBudget:
    """Branch-and-bound nodes left to several mixed-integer searches together (`left`)."""

    left: int


@dataclass(frozen=True, kw_only=True, slots=True)
class SolverSettings:
    """How a model is solved: the wall-clock guard (s) and the MIP's nodes per stage.

    With a `budget`, a stage also gets no more nodes than are left in it (at least the root
    node), and what it uses is taken off.
    """

    deadline_s: float
    mip_nodes: int = MIP_NODE_LIMIT
    budget: NodeBudget | None = None
    #: The mixed-integer energy stage stops at an incumbent this close to its bound (relative).
    mip_energy_gap: float = ENERGY_PROOF
