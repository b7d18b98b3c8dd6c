"""One charger's link: what it was told, what it is seen to apply, and how far a command got.

A small state machine fed with read-backs (`observe`): a read-back that matches what was sent
confirms it; one that shows a higher limit than it was told means the charger raised it by
itself (a reboot to its maximum); a lower one is safe, but what it was told must go out again.
It logs and asks for nothing itself: `observe` says what happened and the actuator acts on it.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import math

from .charger_control import Command
from .const import MIN_WRITE_INTERVAL_S, ChargerFault
from .ocpp_profiles import profile_changed
from .scm.ev import ChargingProfile


class LinkState(StrEnum):
    """How far a charger's last command got."""

    CONFIRMED = "confirmed"  # the charger reports what it was told (or nothing was told yet)
    PENDING = "pending"  # sent, not yet read back
    FAILED = "failed"  # failed or unconfirmed; retried after a backoff
    UNRESPONSIVE = "unresponsive"  # failed `UNRESPONSIVE_AFTER` times in a row


@dataclass(kw_only=True, slots=True)
class Link:
    """What one charger was told, and what it is known to do."""

    sent: Command | None = None
    sent_at: datetime | None = None
    sent_profile: ChargingProfile | None = None
    #: The limit the charger was last seen to apply (kW); None until it is known.
    confirmed_kw: float | None = None
    state: LinkState = LinkState.CONFIRMED
    failures: int = 0
    retry_at: datetime | None = None
    #: The last failure: a translation key (`write_failed`, `write_timeout`, `not_confirmed`,
    #: `script_busy`, `not_following`) and its detail for the log and diagnostics.
    reason: ChargerFault | None = None
    detail: str | None = None
    #: Since when the charger has been confirmed on (> 0) or off, for the minimum on/off times.
    on_since: datetime | None = None
    off_since: datetime | None = None


def matches(readback: float | None, command: Command, tolerance_kw: float) -> bool:
    """Whether a read-back (kW) shows the command applied, within the dead-band."""
    return readback is not None and abs(readback - command.kw) <= tolerance_kw


class Observed(StrEnum):
    """What a read-back meant."""

    NOTHING = "nothing"
    CONFIRMED = "confirmed"  # the command in flight is confirmed
    RECOVERED = "recovered"  # ... and it had failed before
    RAISED = "raised"  # it raised its limit by itself


def observe(link: Link, readback: float, tolerance_kw: float, now: datetime) -> Observed:
    """Update `link` with a read-back (kW); what it meant."""
    sent = link.sent
    raised = sent is not None and readback > sent.kw and not matches(readback, sent, tolerance_kw)
    if link.state is LinkState.CONFIRMED and sent is not None and raised:
        link.state, link.reason = LinkState.FAILED, ChargerFault.DRIFTED
        link.detail = f"applies {readback:.2f} kW, told {sent.kw:.2f} kW"
        link.sent, link.confirmed_kw = None, readback
        return Observed.RAISED
    if sent is not None and not matches(readback, sent, tolerance_kw):
        if link.state is LinkState.CONFIRMED:
            # It lowered its limit by itself: safe, but what it was told must go out again.
            link.sent, link.confirmed_kw = None, readback
        return Observed.NOTHING
    observed = Observed.NOTHING
    if link.state is not LinkState.CONFIRMED and sent is not None:
        observed = Observed.RECOVERED if link.failures > 0 else Observed.CONFIRMED
        link.state, link.failures, link.retry_at = LinkState.CONFIRMED, 0, None
        if link.reason != ChargerFault.NOT_FOLLOWING:
            link.reason = link.detail = None
    was_on = (link.confirmed_kw or 0.0) > tolerance_kw / 2
    is_on = readback > tolerance_kw / 2
    if is_on and not was_on:
        link.on_since, link.off_since = now, None
    elif was_on and not is_on:
        link.off_since, link.on_since = now, None
    link.confirmed_kw = readback
    return observed


def write_wait(
    link: Link, command: Command, profile: ChargingProfile | None, now: datetime, deadband_kw: float
) -> float:
    """How long until `command` may be sent (s): 0 now, inf when it need not be sent at all.

    Always at once when nothing was sent in this session or the last command failed (after its
    retry time); not within the dead-band of what the charger applies, unless it stops it or an
    OCPP plan ahead changed; decreases at once; increases at most once a minute.
    """
    if link.sent is None or link.state is not LinkState.CONFIRMED:
        if link.retry_at is None or now >= link.retry_at:
            return 0.0
        return (link.retry_at - now).total_seconds()
    current = link.confirmed_kw if link.confirmed_kw is not None else link.sent.kw
    if abs(command.kw - current) < deadband_kw and command.pause == link.sent.pause:
        changed = profile is not None and profile_changed(link.sent_profile, profile, now)
        return 0.0 if command.kw == 0 < current or changed else math.inf
    if command.kw < current or link.sent_at is None or now < link.sent_at:
        return 0.0  # down at once; a clock that stepped back is no reason to wait
    return max(0.0, MIN_WRITE_INTERVAL_S - (now - link.sent_at).total_seconds())
