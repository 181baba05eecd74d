// The ballot's rating controls (_RiskRatings in widgets/voting.py); h, uniqueId and poll come
// from vote_common.js.
const WORDS = { "1": "low priority", "5": "top priority" };
const CHOICES = ["1", "2", "3", "4", "5", ""];

class RatingsView {
  constructor(model, el) {
    this.model = model;
    this.group = uniqueId("ballot");
    this.shown = null;
    this.root = h("div", { class: "cswb-ballot" });
    this.scale = h("p", { class: "cswb-ballot-scale" });
    this.list = h("div", { class: "cswb-ballot-risks" });
    this.empty = h("p", { class: "cswb-ballot-empty" }, _("There are no risks to rate yet. They appear here as soon as they are added."));
    this.root.append(this.scale, this.list, this.empty);
    el.append(this.root);
    this.onRisks = () => this.renderRisks();
    this.onRatings = () => this.renderChecks();
    this.onScale = () => { this.scale.textContent = model.get("scale"); };
    model.on("change:risks", this.onRisks);
    model.on("change:ratings", this.onRatings);
    model.on("change:scale", this.onScale);
    this.onScale();
    this.renderRisks();
    this.stopPolling = poll(model);
  }

  renderRisks() {
    const risks = this.model.get("risks") || [];
    const key = JSON.stringify(risks);
    if (key === this.shown) return;
    this.shown = key;
    // A new list must not move the focus of someone choosing with the keyboard.
    const active = document.activeElement;
    const focused = active && this.list.contains(active) ? [active.dataset.risk, active.value] : null;
    this.list.textContent = "";
    this.inputs = [];
    risks.forEach((risk, index) => {
      const fieldset = h("fieldset", { class: "cswb-ballot-risk" });
      fieldset.append(h("legend", {}, risk.name));
      if (risk.description) {
        const id = uniqueId("description");
        fieldset.append(h("p", { class: "cswb-ballot-description", id }, risk.description));
        fieldset.setAttribute("aria-describedby", id);
      }
      const choices = h("div", { class: "cswb-ballot-choices" });
      for (const value of CHOICES) {
        const label = h("label", { class: value ? "cswb-ballot-choice" : "cswb-ballot-choice cswb-ballot-none" });
        const input = h("input", { type: "radio", name: `${this.group}-${index}`, value });
        input.dataset.risk = risk.id;
        input.addEventListener("change", () => { if (input.checked) this.choose(risk.id, value); });
        label.append(input, h("span", { class: "cswb-ballot-number" }, value || _("No opinion")));
        if (WORDS[value]) label.append(h("span", { class: "cswb-ballot-word" }, WORDS[value]));
        choices.append(label);
        this.inputs.push(input);
      }
      fieldset.append(choices);
      this.list.append(fieldset);
    });
    this.empty.hidden = risks.length > 0;
    this.renderChecks();
    if (focused) {
      const again = this.inputs.find((i) => i.dataset.risk === focused[0] && i.value === focused[1]);
      if (again) again.focus();
    }
  }

  renderChecks() {
    const ratings = this.model.get("ratings") || {};
    for (const input of this.inputs || []) {
      const chosen = ratings[input.dataset.risk];
      input.checked = (chosen === undefined || chosen === null ? "" : String(chosen)) === input.value;
    }
  }

  choose(riskId, value) {
    const ratings = { ...(this.model.get("ratings") || {}) };
    if (value === "") delete ratings[riskId];
    else ratings[riskId] = Number(value);
    this.model.set("ratings", ratings);
    this.model.save_changes();
  }

  destroy() {
    this.stopPolling();
    this.model.off("change:risks", this.onRisks);
    this.model.off("change:ratings", this.onRatings);
    this.model.off("change:scale", this.onScale);
    this.root.remove();
  }
}

export default {
  render({ model, el }) {
    const view = new RatingsView(model, el);
    return () => view.destroy();
  },
};
