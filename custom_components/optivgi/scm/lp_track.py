"""The linear program's track stage: with prices, each EV stays on track for its departure.

One row of `linear_program.STAGES`, apart because it is the one stage that reads `tariff.py`.
"""

import highspy
import numpy as np

from .constants import TOLERANCE
from .lp_blocks import step_costs
from .lp_model import Model
from .lp_run import Run
from .tariff import arrival_room, track_buffers


def track_stage(run: Run, model: Model) -> None:
    """With prices or a surplus: hold each EV's buffer from the earliest plan (`tariff.py`)."""
    if not run.problem.priced:
        return
    columns = model.columns
    hours = columns.hours
    costs = step_costs(run.problem, with_prices=False)[columns.ev, columns.steps()] * hours
    run.optimise(
        model,
        "track",
        highspy.ObjSense.kMinimize,
        np.append(costs, [0.0] * (model.n_cols - costs.size)),
    )
    kw = model.values()[: columns.size]
    kwh = kw * hours
    site = np.bincount(columns.steps(), weights=kw, minlength=run.problem.n_steps)
    room = arrival_room(run.problem, np.asarray(site, dtype=np.float64))
    if room is not None:
        model.cap_site(room[columns.group_start] + TOLERANCE)
    grid = (columns.ev, columns.steps())
    for early, buffers in track_buffers(run.problem, *grid, kwh, run.previous_kw):
        cells = np.nonzero(early & (buffers[columns.ev] > TOLERANCE))[0]
        model.add_sum_rows(columns.ev[cells], cells, hours[cells], buffers)
