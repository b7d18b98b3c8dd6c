// The plan card's visual editor: the site (from `optivgi/sites`), a title, the hours shown.

export class OptiVgiPlanCardEditor extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._sites = undefined;
  }

  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    const first = this._hass === undefined;
    this._hass = hass;
    if (first) {
      hass
        .callWS({ type: "optivgi/sites" })
        .then((sites) => {
          this._sites = sites;
          this._render();
        })
        .catch(() => {
          this._sites = [];
          this._render();
        });
    }
    if (this._form) {
      this._form.hass = hass;
    }
  }

  _render() {
    if (!this._config || !this._hass || this._sites === undefined) {
      return;
    }
    if (!this._form) {
      this._form = document.createElement("ha-form");
      this._form.computeLabel = (field) =>
        ({ entry_id: "Site", title: "Title", hours: "Hours shown" })[field.name];
      this._form.addEventListener("value-changed", (ev) => {
        const config = { ...this._config, ...ev.detail.value };
        for (const key of Object.keys(config)) {
          if (config[key] === "" || config[key] === undefined) {
            delete config[key];
          }
        }
        this._config = config;
        this.dispatchEvent(
          new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
        );
      });
      this.shadowRoot.appendChild(this._form);
    }
    this._form.hass = this._hass;
    this._form.schema = [
      {
        name: "entry_id",
        selector: {
          select: {
            mode: "dropdown",
            options: this._sites.map((s) => ({ value: s.entry_id, label: s.title })),
          },
        },
      },
      { name: "title", selector: { text: {} } },
      { name: "hours", selector: { number: { min: 1, max: 48, mode: "box", unit_of_measurement: "h" } } },
    ];
    this._form.data = this._config;
  }
}
