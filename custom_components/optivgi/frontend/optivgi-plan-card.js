// The OptiVGI plan card: one site's plan over the horizon, and why each car waits.
//
// A plain web component (no framework, nothing fetched): Home Assistant loads it as an extra
// module when the integration loads. The plan comes from the `optivgi/subscribe_plan` websocket
// command, which pushes every new plan, so the card never polls the sensors' attributes.

// The parts load with this module's version query, so a browser never mixes two versions.
const version = new URL(import.meta.url).search;
const { DEFAULT_WIDTH, SERIES_COLOURS, chartSvg, escapeHtml, kwh } = await import(
  new URL(`./plan-chart.js${version}`, import.meta.url).href
);
const { OptiVgiPlanCardEditor } = await import(
  new URL(`./plan-card-editor.js${version}`, import.meta.url).href
);

const CARD_TYPE = "optivgi-plan-card";
const EDITOR_TYPE = "optivgi-plan-card-editor";
const TRANSLATIONS = "component.optivgi.entity.sensor.status";

class OptiVgiPlanCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._plan = undefined;
    this._error = undefined;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    this._width = DEFAULT_WIDTH;
    this._resize = new ResizeObserver((entries) => {
      const width = Math.round(entries[0].contentRect.width) - 32;
      if (width > 100 && Math.abs(width - this._width) > 8) {
        this._width = width;
        this._render();
      }
    });
  }

  static getConfigElement() {
    return document.createElement(EDITOR_TYPE);
  }

  // Without a site the card shows the only site; the editor lists them when there are more.
  static getStubConfig() {
    return {};
  }

  setConfig(config) {
    if (config.entry_id !== undefined && typeof config.entry_id !== "string") {
      throw new Error("entry_id must be the site's config entry id");
    }
    if (config.site !== undefined && typeof config.site !== "string") {
      throw new Error("site must be the site's name");
    }
    if (config.hours !== undefined && !(Number(config.hours) > 0)) {
      throw new Error("hours must be a positive number");
    }
    this._config = { ...config };
    this._resubscribe();
    this._render();
  }

  set hass(hass) {
    const first = this._hass === undefined;
    this._hass = hass;
    if (first) {
      this._resubscribe();
    }
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    this._resize.observe(this);
    this._resubscribe();
  }

  disconnectedCallback() {
    this._resize.disconnect();
    this._stop();
  }

  getCardSize() {
    return 4 + (this._plan?.chargers.length ?? 2);
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6 };
  }

  _stop() {
    const unsubscribe = this._unsubscribe;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    if (unsubscribe) {
      unsubscribe.then((stop) => stop()).catch(() => undefined);
    }
  }

  _resubscribe() {
    if (!this._hass || !this._config || !this.isConnected) {
      return;
    }
    const key = `${this._config.entry_id ?? ""}\n${this._config.site ?? ""}`;
    if (this._unsubscribe && this._subscribedTo === key) {
      return;
    }
    this._stop();
    const message = { type: "optivgi/subscribe_plan" };
    if (this._config.entry_id) {
      message.entry_id = this._config.entry_id;
    } else if (this._config.site) {
      // By name: a dashboard kept in YAML cannot know the entry id of another install.
      message.site = this._config.site;
    }
    this._subscribedTo = key;
    this._unsubscribe = this._hass.connection.subscribeMessage((plan) => {
      this._plan = plan;
      this._error = undefined;
      this._render();
    }, message);
    this._unsubscribe.catch((err) => {
      this._unsubscribe = undefined;
      this._plan = undefined;
      this._error = err?.message ?? String(err);
      this._render();
    });
  }

  _localize(key, placeholders) {
    const text = this._hass?.localize?.(`${TRANSLATIONS}.${key}`, placeholders ?? {});
    return text || undefined;
  }

  _time(iso) {
    if (!iso) {
      return "–";
    }
    const hass = this._hass;
    return new Date(iso).toLocaleTimeString(hass?.locale?.language ?? undefined, {
      hour: "2-digit",
      minute: "2-digit",
      timeZone: hass?.config?.time_zone,
    });
  }

  _reason(charger) {
    const why = charger.why;
    if (!why) {
      return "";
    }
    return this._localize(`state_attributes.why.state.${why.key}`, why.placeholders) ?? why.text;
  }

  _chart(plan) {
    return chartSvg(plan, {
      width: this._width,
      hoursShown: this._config.hours,
      timeZone: this._hass?.config?.time_zone,
      timeLabel: (iso) => this._time(iso),
    });
  }

  _legend(plan) {
    const items = plan.chargers.map(
      (c, i) =>
        `<span><i style="background:${SERIES_COLOURS[i % SERIES_COLOURS.length]}"></i>${escapeHtml(c.name)}</span>`,
    );
    items.push(`<span><i class="limit-key"></i>Site limit ${plan.limit_kw} kW</span>`);
    items.push(`<span><i class="budget-key"></i>EV budget</span>`);
    return `<div class="legend">${items.join("")}</div>`;
  }

  _rows(plan) {
    const head = ["Car", "Requested", "Planned", "Departure", "Status", "Why"]
      .map((h) => `<div class="head">${h}</div>`)
      .join("");
    const rows = plan.chargers.map((c) => {
      const status = this._localize(`state.${c.status}`) ?? c.status;
      return `<div class="row" data-charger="${escapeHtml(c.id)}">
        <div class="name">${escapeHtml(c.name)}</div>
        <div data-label="Requested">${kwh(c.requested_kwh)} kWh</div>
        <div data-label="Planned">${kwh(c.planned_kwh)} kWh</div>
        <div data-label="Departure">${this._time(c.departure)}</div>
        <div class="status ${escapeHtml(c.status)}">${escapeHtml(status)}</div>
        <div class="reason">${escapeHtml(this._reason(c))}</div>
      </div>`;
    });
    return `<div class="cars">${head}${rows.join("")}</div>`;
  }

  _render() {
    if (!this._config) {
      return;
    }
    const plan = this._plan;
    const title = this._config.title ?? (plan ? plan.site : "OptiVGI plan");
    let body;
    if (this._error) {
      body = `<div class="message">${escapeHtml(this._error)}</div>`;
    } else if (!plan) {
      body = `<div class="message">…</div>`;
    } else {
      body = `${this._chart(plan)}${this._legend(plan)}${this._rows(plan)}`;
    }
    this.shadowRoot.innerHTML = `<style>${STYLE}</style>
      <ha-card header="${escapeHtml(title)}"><div class="content">${body}</div></ha-card>`;
  }
}

const STYLE = `
  :host { display: block; }
  .content { padding: 0 16px 16px; container-type: inline-size; }
  svg { width: 100%; height: auto; display: block; overflow: visible; }
  .series { fill-opacity: 0.6; stroke-width: 0; }
  .grid { stroke: var(--divider-color, #e0e0e0); stroke-width: 1; }
  .axis { fill: var(--secondary-text-color); font-size: 11px; }
  .limit { stroke: var(--error-color, #db4437); stroke-width: 2; }
  .budget { fill: none; stroke: var(--warning-color, #ffa600); stroke-width: 1.5;
    stroke-dasharray: 5 3; }
  .now { stroke: var(--primary-text-color); stroke-width: 1; stroke-dasharray: 2 2; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 6px 0 10px;
    color: var(--secondary-text-color); font-size: 0.85em; }
  .legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px;
    border-radius: 2px; opacity: 0.8; vertical-align: baseline; }
  .legend .limit-key { background: var(--error-color, #db4437); height: 3px; }
  .legend .budget-key { background: var(--warning-color, #ffa600); height: 3px; }
  .cars { display: grid; grid-template-columns: 1.1fr 0.9fr 0.9fr 0.8fr 1fr 2.2fr;
    gap: 6px 8px; color: var(--primary-text-color); font-size: 0.9em; }
  .row { display: contents; }
  .head { color: var(--secondary-text-color); font-size: 0.85em; }
  .name { font-weight: 500; }
  .status.unmet, .status.error, .status.unresponsive { color: var(--error-color, #db4437); }
  .status.charging { color: var(--success-color, #43a047); }
  .reason { color: var(--secondary-text-color); }
  .message { padding: 16px 0; color: var(--secondary-text-color); }
  @container (max-width: 480px) {
    .cars { grid-template-columns: 1fr 1fr; }
    .head { display: none; }
    .row { display: grid; grid-template-columns: subgrid; grid-column: 1 / -1;
      border-top: 1px solid var(--divider-color, #e0e0e0); padding-top: 6px; }
    .row [data-label]::before { content: attr(data-label) " "; color: var(--secondary-text-color); }
    .reason { grid-column: 1 / -1; }
  }
`;

if (!customElements.get(CARD_TYPE)) {
  customElements.define(CARD_TYPE, OptiVgiPlanCard);
  customElements.define(EDITOR_TYPE, OptiVgiPlanCardEditor);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: CARD_TYPE,
    name: "OptiVGI plan",
    description: "A charging site's plan ahead: each charger's power, the limit, and why each car waits.",
    preview: true,
    documentationURL: "https://github.com/optivgi/optivgi-ha#the-plan-card",
  });
}
