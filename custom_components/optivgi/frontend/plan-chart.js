// The plan card's chart: each charger's planned power stacked, the site limit, the EV budget
// and a "now" marker, as an SVG string in CSS pixels at the card's width.

// Theme colours first; the fallbacks are Home Assistant's defaults for the same names.
export const SERIES_COLOURS = [
  "var(--blue-color, #2196f3)",
  "var(--green-color, #4caf50)",
  "var(--amber-color, #ffc107)",
  "var(--purple-color, #926bc7)",
  "var(--cyan-color, #00bcd4)",
  "var(--deep-orange-color, #ff6f22)",
  "var(--teal-color, #009688)",
  "var(--pink-color, #e91e63)",
];
// The chart is drawn in CSS pixels at the card's width (so its text keeps its size on a phone);
// this width stands in until the card has been measured.
export const DEFAULT_WIDTH = 600;
const H = 220;
const PAD = { left: 36, right: 8, top: 10, bottom: 24 };

export const escapeHtml = (text) =>
  String(text ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );

export const kwh = (value) => (value >= 10 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, ""));

// The planned power (kW) at each step: the last change at or before the step's start.
function powerPerStep(changes, start, stepMs, steps) {
  const out = new Array(steps).fill(0);
  let index = 0;
  let kw = 0;
  for (let t = 0; t < steps; t += 1) {
    const at = start + t * stepMs;
    while (index < changes.length && Date.parse(changes[index][0]) <= at) {
      kw = changes[index][1];
      index += 1;
    }
    out[t] = Math.max(0, kw);
  }
  return out;
}

function niceStep(max, ticks) {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}


export function chartSvg(plan, { width, hoursShown, timeZone, timeLabel }) {
  const start = Date.parse(plan.start);
  const stepMs = plan.step_s * 1000;
  let steps = plan.budget_per_step_kw.length;
  if (hoursShown) {
    steps = Math.min(steps, Math.ceil((hoursShown * 3600000) / stepMs));
  }
  if (steps === 0) {
    return "";
  }
  const end = start + steps * stepMs;
  const W = width;
  const series = plan.chargers.map((c) => powerPerStep(c.changes, start, stepMs, steps));
  const totals = new Array(steps).fill(0);
  const budget = plan.budget_per_step_kw.slice(0, steps);
  const top = Math.max(plan.limit_kw, ...budget, 1) * 1.1;
  const x = (ms) => PAD.left + ((ms - start) / (end - start)) * (W - PAD.left - PAD.right);
  const y = (kw) => PAD.top + (1 - kw / top) * (H - PAD.top - PAD.bottom);
  const at = (t) => x(start + t * stepMs).toFixed(1);
  const areas = series.map((power, i) => {
    const lower = totals.slice();
    power.forEach((kw, t) => {
      totals[t] += kw;
    });
    let d = `M${at(0)},${y(lower[0]).toFixed(1)}`;
    for (let t = 0; t < steps; t += 1) {
      d += `V${y(totals[t]).toFixed(1)}H${at(t + 1)}`;
    }
    for (let t = steps - 1; t >= 0; t -= 1) {
      d += `V${y(lower[t]).toFixed(1)}H${at(t)}`;
    }
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
    const name = escapeHtml(plan.chargers[i].name);
    return `<path class="series" data-series="${escapeHtml(plan.chargers[i].id)}"
      d="${d}Z" fill="${colour}" stroke="${colour}"><title>${name}</title></path>`;
  });
  let budgetPath = `M${at(0)},${y(budget[0]).toFixed(1)}`;
  budget.forEach((kw, t) => {
    budgetPath += `V${y(kw).toFixed(1)}H${at(t + 1)}`;
  });
  const yStep = niceStep(top, 4);
  const yTicks = [];
  for (let kw = 0; kw <= top; kw += yStep) {
    yTicks.push(
      `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(kw)}" y2="${y(kw)}"/>
       <text class="axis" x="${PAD.left - 4}" y="${y(kw) + 4}" text-anchor="end">${+kw.toFixed(1)}</text>`,
    );
  }
  const hours = (end - start) / 3600000;
  // About one label per 70 px, on whole hours that divide the day.
  const wanted = (hours * 70) / (W - PAD.left - PAD.right);
  const everyH = [1, 2, 3, 4, 6, 12, 24].find((h) => h >= wanted) ?? 24;
  const xTicks = [];
  // Labels on the site's whole local hours (the hour of day in its time zone).
  const hourOf = new Intl.DateTimeFormat("en-GB", {
    hour: "numeric",
    hourCycle: "h23",
    timeZone,
  });
  for (let ms = Math.ceil(start / 3600000) * 3600000; ms < end; ms += 3600000) {
    if (Number(hourOf.format(ms)) % everyH === 0) {
      xTicks.push(
        `<line class="grid" x1="${x(ms)}" x2="${x(ms)}" y1="${PAD.top}" y2="${H - PAD.bottom}"/>
         <text class="axis" x="${x(ms)}" y="${H - 6}" text-anchor="middle">${timeLabel(new Date(ms).toISOString())}</text>`,
      );
    }
  }
  const now = Date.now();
  const nowMarker =
    now >= start && now <= end
      ? `<line class="now" data-now x1="${x(now)}" x2="${x(now)}" y1="${PAD.top}" y2="${H - PAD.bottom}"/>`
      : "";
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(plan.site)}">
    ${yTicks.join("")}${xTicks.join("")}${areas.join("")}
    <path class="budget" data-line="budget" d="${budgetPath}"><title>EV budget</title></path>
    <line class="limit" data-line="limit" x1="${PAD.left}" x2="${W - PAD.right}"
      y1="${y(plan.limit_kw)}" y2="${y(plan.limit_kw)}"><title>Site limit ${plan.limit_kw} kW</title></line>
    ${nowMarker}
    <text class="axis" x="4" y="${PAD.top + 2}">kW</text>
  </svg>`;
}
