// EditableTable's browser side; the rules it keeps are listed in widgets/_table_front.py.
// A compact list (main columns, wrapped, sortable, searchable, filtered, paged) and a form
// beside it with every field of the chosen record, or of a new one.
const uniqueId = makeIds("cswb-et");  // makeIds and h: dom.js
const DATE_PATTERN = "\\d{4}-\\d{2}-\\d{2}";
const SEARCH_DELAY_MS = 300;

function visuallyHidden(text) {
  return h("span", { class: "cswb-et-vh" }, text);
}

function isEditing(root) {
  const active = document.activeElement;
  return !!active && root.contains(active) && active.matches(".cswb-et-form input, .cswb-et-form select, .cswb-et-form textarea");
}

// One labelled field of the form: a text/number/date input, a text area, a select, or a
// group of checkboxes (chosen by click or Space: no modifier keys).
class Field {
  constructor(spec, onCommit) {
    this.spec = spec;
    this.onCommit = onCommit;
    this.box = h("div", { class: "cswb-et-field" });
    this.error = h("span", { class: "cswb-et-error", id: uniqueId("error"), hidden: true });
    this.hint = spec.hint ? h("span", { class: "cswb-et-hint", id: uniqueId("hint") }, spec.hint) : null;
    if (spec.control === "multi") this.buildMulti();
    else this.buildSingle();
    if (this.hint) this.box.append(this.hint);
    this.box.append(this.error);
  }

  buildSingle() {
    const id = uniqueId("field");
    this.labelEl = h("label", { for: id, class: "cswb-et-label" });
    this.labelText = h("span");
    this.labelEl.append(this.labelText);
    if (this.spec.required) this.labelEl.append(h("span", { class: "cswb-et-required" }, _(" (required)")));
    const spec = this.spec;
    if (spec.readonly) {
      this.input = h("input", { id, type: "text", class: "cswb-et-input", readonly: true });
    } else if (spec.control === "select") {
      this.input = h("select", { id, class: "cswb-et-select" });
      this.setOptions(spec.options || []);
    } else if (spec.multiline) {
      this.input = h("textarea", { id, class: "cswb-et-input", rows: 3 });
    } else {
      const attrs = { id, type: "text", class: "cswb-et-input" };
      if (spec.control === "number") attrs.inputmode = spec.integer ? "numeric" : "decimal";
      // Dates are typed as ISO text: a date input would show the browser's local format.
      if (spec.control === "date") Object.assign(attrs, { pattern: DATE_PATTERN, placeholder: _("yyyy-mm-dd"), inputmode: "numeric" });
      this.input = h("input", attrs);
    }
    if (this.hint) this.input.setAttribute("aria-describedby", this.hint.id);
    this.input.addEventListener("change", () => this.onCommit && !this.spec.readonly && this.onCommit(this.get()));
    this.focusable = this.input;
    this.box.append(this.labelEl, this.input);
  }

  buildMulti() {
    this.fieldset = h("fieldset", { class: "cswb-et-multi" });
    this.legend = h("legend", { class: "cswb-et-label" });
    this.labelText = h("span");
    this.legend.append(this.labelText);
    this.boxes = h("div", { class: "cswb-et-boxes" });
    this.fieldset.append(this.legend, this.boxes);
    this.box.append(this.fieldset);
    this.setOptions(this.spec.options || []);
  }

  // The visible label is the column's; the accessible name adds the row ("Name, row 3") or
  // says the field belongs to the new row ("New row: Name").
  setLabel(prefix, extra) {
    this.labelText.textContent = this.spec.label;
    (this.input || this.fieldset).setAttribute("aria-label", `${prefix}${this.spec.label}${extra}`);
  }

  setOptions(options) {
    this.spec = { ...this.spec, options };
    if (this.input && this.input.tagName === "SELECT") {
      const current = this.input.value;
      this.input.replaceChildren(h("option", { value: "" }, this.spec.required ? _("(choose one)") : _("(none)")));
      for (const [value, name] of options) this.input.append(h("option", { value }, name));
      this.set(current);
    } else if (this.boxes) {
      const current = this.get();
      this.boxes.replaceChildren();
      for (const [value, name] of options) {
        const box = h("input", { type: "checkbox", value, disabled: this.spec.readonly });
        box.addEventListener("change", () => this.onCommit && this.onCommit(this.get()));
        const label = h("label", { class: "cswb-et-box" });
        label.append(box, h("span", {}, name));
        this.boxes.append(label);
      }
      this.unknownBox = h("p", { class: "cswb-et-unknown", hidden: true });
      this.boxes.append(this.unknownBox);
      this.set(current);
      this.focusable = this.boxes.querySelector("input");
    }
  }

  nameOf(value) {
    const found = (this.spec.options || []).find(([v]) => v === value);
    return found ? found[1] : value;
  }

  get() {
    if (this.boxes) return [...this.boxes.querySelectorAll("input:checked")].map((box) => box.value).concat(this.unknown || []);
    return this.input.value;
  }

  set(value) {
    if (this.boxes) {
      const wanted = new Set(Array.isArray(value) ? value : []);
      for (const box of this.boxes.querySelectorAll("input")) box.checked = wanted.has(box.value);
      // A stored item the options do not know (a deleted record, an imported name) is kept and said.
      this.unknown = [...wanted].filter((v) => !(this.spec.options || []).some(([o]) => o === v));
      this.unknownBox.hidden = !this.unknown.length;
      this.unknownBox.textContent = this.unknown.length ? _("Also stored: {values}", { values: this.unknown.join(", ") }) : "";
    } else if (this.input.tagName === "SELECT") {
      const text = value ?? "";
      if (text !== "" && ![...this.input.options].some((o) => o.value === text)) {
        this.input.append(h("option", { value: text }, text));
      }
      this.input.value = text;
    } else {
      this.input.value = value ?? "";
    }
  }

  isActive() {
    const active = document.activeElement;
    return !!active && this.box.contains(active);
  }

  showError(message) {
    const target = this.input || this.fieldset;
    const described = [this.hint && this.hint.id, message && this.error.id].filter(Boolean).join(" ");
    if (message) {
      this.error.replaceChildren(h("span", { "aria-hidden": "true" }, "\u26a0 "), document.createTextNode(message));
      this.error.hidden = false;
      target.setAttribute("aria-invalid", "true");
      this.box.classList.add("cswb-et-invalid");
    } else {
      this.error.replaceChildren();
      this.error.hidden = true;
      target.removeAttribute("aria-invalid");
      this.box.classList.remove("cswb-et-invalid");
    }
    if (described) target.setAttribute("aria-describedby", described);
    else target.removeAttribute("aria-describedby");
  }

  focus() {
    if (this.focusable) this.focusable.focus();
  }
}

class TableView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.rows = new Map(); // record id -> { tr, header, button, cells, n }
    this.fields = new Map(); // column -> Field of the form
    this.mode = "none"; // the form shows: nothing, a "new" row, or the chosen record ("edit")
    this.formKey = "";
    this.structure = "";
    this.build();
    this.handlers = [];
    this.listen("change:column_specs change:main_columns", () => { this.renderTable(); this.renderForm(); });
    this.listen("change:rows", () => this.renderRows());
    this.listen("change:selected change:cell_errors", () => this.renderForm());
    this.listen("change:add_errors", () => this.renderAddErrors());
    this.listen("change:draft", () => this.applyDraft());
    // The kernel opens a new record in the form; its changes may arrive in any order.
    this.listen("change:added_count", () => { this.openAddedNext = true; this.renderForm(); });
    this.listen("change:status change:status_kind", () => this.renderStatus());
    this.listen("change:sort_column change:sort_descending change:search change:filters", () => this.renderViewControls());
    const barTraits = "undo_label page page_count row_count total_count can_add can_delete";
    this.listen(barTraits.split(" ").map((name) => `change:${name}`).join(" "), () => this.renderBar());
    this.listen("change:caption", () => {
      this.captionText.textContent = model.get("caption");
      this.searchBox.setAttribute("aria-label", _("Search {table}", { table: model.get("caption") }));
    });
    this.renderTable();
    this.renderForm();
    this.renderBar();
    this.renderStatus();
    this.restoreView();
    this.startPolling();
  }

  listen(events, handler) {
    for (const event of events.split(" ")) {
      this.model.on(event, handler);
      this.handlers.push([event, handler]);
    }
  }

  build() {
    this.root = h("div", { class: "cswb-et" });
    this.tools = h("div", { class: "cswb-et-tools" });
    this.addButton = h("button", { type: "button", class: "cswb-et-button cswb-et-primary" }, _("Add row"));
    this.addButton.addEventListener("click", () => this.openNew());
    const searchId = uniqueId("search");
    this.searchBox = h("input", {
      type: "search", id: searchId, class: "cswb-et-input cswb-et-search", "aria-label": _("Search {table}", { table: this.model.get("caption") }),
    });
    this.searchBox.addEventListener("input", () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.sendView({ search: this.searchBox.value }), SEARCH_DELAY_MS);
    });
    const search = h("span", { class: "cswb-et-tool" });
    search.append(h("label", { for: searchId }, _("Search")), this.searchBox);
    this.filterBox = h("span", { class: "cswb-et-filters" });
    this.filterSelects = new Map();
    this.undoButton = h("button", { type: "button", class: "cswb-et-button", hidden: true });
    this.undoButton.addEventListener("click", () => {
      this.focusTableNext = true;
      this.send({ type: "undo" });
    });
    this.tools.append(this.addButton, search, this.filterBox, this.undoButton);

    this.layout = h("div", { class: "cswb-et-layout" });
    this.listPane = h("div", { class: "cswb-et-list" });
    this.table = h("table", { class: "cswb-et-table", tabindex: "-1" });
    this.captionText = h("span", {}, this.model.get("caption"));
    const caption = h("caption");
    caption.append(this.captionText);
    this.colgroup = h("colgroup");
    this.thead = h("thead");
    this.body = h("tbody");
    this.emptyRow = h("tr", { class: "cswb-et-empty" });
    this.emptyCell = h("td", {}, _("No records yet."));
    this.emptyRow.append(this.emptyCell);
    this.table.append(caption, this.colgroup, this.thead, this.body);

    this.pager = h("div", { class: "cswb-et-pager" });
    this.previousButton = h("button", { type: "button", class: "cswb-et-button" }, _("Previous page"));
    this.nextButton = h("button", { type: "button", class: "cswb-et-button" }, _("Next page"));
    this.pageText = h("span", { class: "cswb-et-page" });
    this.previousButton.addEventListener("click", () => this.send({ type: "page", page: this.model.get("page") - 1 }));
    this.nextButton.addEventListener("click", () => this.send({ type: "page", page: this.model.get("page") + 1 }));
    this.pager.append(this.previousButton, this.pageText, this.nextButton);
    this.listPane.append(this.table, this.pager);

    this.formPane = h("section", { class: "cswb-et-form", hidden: true });
    this.formHeading = h("h4", { id: uniqueId("form"), class: "cswb-et-form-heading" });
    this.formPane.setAttribute("aria-labelledby", this.formHeading.id);
    this.formFields = h("div", { class: "cswb-et-fields" });
    this.formActions = h("div", { class: "cswb-et-form-actions" });
    this.saveNewButton = h("button", { type: "button", class: "cswb-et-button cswb-et-primary" }, _("Save new row"));
    this.saveNewButton.addEventListener("click", () => this.submitNew());
    this.deleteButton = h("button", { type: "button", class: "cswb-et-button" });
    this.deleteButton.addEventListener("click", () => {
      const selected = this.model.get("selected") || {};
      if (!selected.id) return;
      this.focusUndoNext = true;
      this.send({ type: "delete", id: selected.id });
    });
    this.closeButton = h("button", { type: "button", class: "cswb-et-button" }, _("Close form"));
    this.closeButton.addEventListener("click", () => this.closeForm());
    this.formActions.append(this.saveNewButton, this.deleteButton, this.closeButton);
    this.formPane.append(this.formHeading, this.formFields, this.formActions);
    this.layout.append(this.listPane, this.formPane);

    this.status = h("p", { class: "cswb-et-status", role: "status", "aria-live": "polite" });
    this.root.append(this.tools, this.layout, this.status);
    this.el.append(this.root);
  }

  send(message) {
    this.model.send(message);
  }

  specs() {
    return this.model.get("column_specs") || [];
  }

  mainSpecs() {
    const main = new Set(this.model.get("main_columns") || []);
    return this.specs().filter((s) => main.has(s.name));
  }

  // -- the list ----------------------------------------------------------------------------

  renderTable() {
    const specs = this.mainSpecs();
    const structure = JSON.stringify([specs.map((s) => [s.name, s.label]), this.specs().map((s) => [s.name, s.control, s.label, s.readonly, s.required, s.hint])]);
    if (structure !== this.structure) {
      this.structure = structure;
      this.buildHeader(specs);
      this.buildFilters();
      this.body.replaceChildren();
      this.rows.clear();
      this.formKey = "";
    } else {
      this.updateOptions();
    }
    this.renderRows();
  }

  buildHeader(specs) {
    const tr = h("tr");
    this.colgroup.replaceChildren(h("col", { class: "cswb-et-col-n" }), ...specs.map(() => h("col")));
    tr.append(h("th", { scope: "col", class: "cswb-et-n" }, _("Row")));
    this.sortButtons = new Map();
    for (const spec of specs) {
      const th = h("th", { scope: "col" });
      const button = h("button", { type: "button", class: "cswb-et-sort" });
      button.append(h("span", {}, spec.label), h("span", { class: "cswb-et-arrow", "aria-hidden": "true" }));
      button.addEventListener("click", () => {
        const same = this.model.get("sort_column") === spec.name;
        this.sendView({ sort: spec.name, descending: same && !this.model.get("sort_descending") });
      });
      th.append(button);
      this.sortButtons.set(spec.name, { th, button });
      tr.append(th);
    }
    this.thead.replaceChildren(tr);
    this.emptyCell.setAttribute("colspan", String(specs.length + 1));
    this.renderViewControls();
  }

  buildFilters() {
    this.filterBox.replaceChildren();
    this.filterSelects.clear();
    for (const spec of this.mainSpecs().filter((s) => s.filter)) {
      const id = uniqueId("filter");
      // Named apart from the form's field of the same column, and from other tables' filters.
      const select = h("select", { id, class: "cswb-et-select", "aria-label": _("Filter by {column}", { column: spec.label }) });
      select.append(h("option", { value: "" }, _("(any)")));
      for (const [value, name] of spec.options || []) select.append(h("option", { value }, name));
      select.addEventListener("change", () => {
        const filters = { ...(this.model.get("filters") || {}) };
        if (select.value) filters[spec.name] = select.value;
        else delete filters[spec.name];
        this.sendView({ filters });
      });
      const tool = h("span", { class: "cswb-et-tool" });
      tool.append(h("label", { for: id }, spec.label), select);
      this.filterBox.append(tool);
      this.filterSelects.set(spec.name, select);
    }
    this.renderViewControls();
  }

  renderViewControls() {
    const column = this.model.get("sort_column");
    const descending = this.model.get("sort_descending");
    for (const [name, { th, button }] of this.sortButtons || []) {
      const sorted = name === column;
      th.setAttribute("aria-sort", sorted ? (descending ? "descending" : "ascending") : "none");
      button.querySelector(".cswb-et-arrow").textContent = sorted ? (descending ? " \u25bc" : " \u25b2") : "";
    }
    const filters = this.model.get("filters") || {};
    for (const [name, select] of this.filterSelects) {
      const value = filters[name] || "";
      if (value && ![...select.options].some((o) => o.value === value)) select.append(h("option", { value }, value));
      if (document.activeElement !== select) select.value = value;
    }
    if (document.activeElement !== this.searchBox) this.searchBox.value = this.model.get("search") || "";
  }

  // Sorting, search and filters are sent to the kernel (which holds every row) and kept in
  // this browser, so the list looks the same after a reload.
  sendView(change) {
    const view = {
      sort: this.model.get("sort_column") || "",
      descending: !!this.model.get("sort_descending"),
      search: this.model.get("search") || "",
      filters: this.model.get("filters") || {},
      ...change,
    };
    try {
      localStorage.setItem(this.storageKey(), JSON.stringify(view));
    } catch (error) {
      // Storage refused (private mode, quota): the view still applies, it is just not kept.
    }
    this.send({ type: "view", ...view });
  }

  storageKey() {
    const where = new URLSearchParams(location.search).get("workspace") || "";
    return `cswb-table-view:${location.pathname}:${where}:${this.model.get("caption")}`;
  }

  restoreView() {
    let view = null;
    try {
      view = JSON.parse(localStorage.getItem(this.storageKey()) || "null");
    } catch (error) {
      view = null;
    }
    if (view && typeof view === "object" && (view.sort || view.search || Object.keys(view.filters || {}).length)) {
      this.send({ type: "view", ...view });
    }
  }

  updateOptions() {
    const bySpec = new Map(this.specs().filter((s) => s.options).map((s) => [s.name, s]));
    for (const [name, field] of this.fields) {
      const spec = bySpec.get(name);
      if (spec && JSON.stringify(field.spec.options) !== JSON.stringify(spec.options) && !field.isActive()) field.setOptions(spec.options);
    }
  }

  makeRow(row, specs) {
    const tr = h("tr", { class: "cswb-et-row" });
    const header = h("th", { scope: "row", class: "cswb-et-n" });
    tr.append(header);
    const cells = new Map();
    let button = null;
    specs.forEach((spec, index) => {
      const td = h("td", { class: "cswb-et-cell" });
      if (index === 0) {
        // The row's first value opens it in the form: a real button, reachable by keyboard.
        button = h("button", { type: "button", class: "cswb-et-open" });
        td.append(button);
      }
      cells.set(spec.name, td);
      tr.append(td);
    });
    tr.addEventListener("click", (event) => {
      if (event.target.closest("button") !== button && window.getSelection && String(window.getSelection())) return;
      this.openRecord(row.id);
    });
    return { tr, header, button, cells, n: null };
  }

  renderRows() {
    const specs = this.mainSpecs();
    const rows = this.model.get("rows") || [];
    const selectedId = (this.model.get("selected") || {}).id;
    const seen = new Set();
    rows.forEach((row, index) => {
      seen.add(row.id);
      let entry = this.rows.get(row.id);
      if (!entry) {
        entry = this.makeRow(row, specs);
        this.rows.set(row.id, entry);
      }
      entry.n = row.n;
      entry.header.textContent = String(row.n);
      specs.forEach((spec, i) => {
        const text = (row.text || {})[spec.name] ?? "";
        if (i === 0) {
          entry.button.replaceChildren(document.createTextNode(text || _("(no {column})", { column: spec.label.toLowerCase() })), visuallyHidden(_(", row {number}", { number: row.n })));
        } else {
          entry.cells.get(spec.name).textContent = text;
        }
      });
      const chosen = row.id === selectedId && this.mode === "edit";
      entry.tr.classList.toggle("cswb-et-chosen", chosen);
      if (chosen) entry.button.setAttribute("aria-current", "true");
      else entry.button.removeAttribute("aria-current");
      if (this.body.children[index] !== entry.tr) this.body.insertBefore(entry.tr, this.body.children[index] || null);
    });
    for (const [id, entry] of this.rows) {
      if (!seen.has(id)) {
        entry.tr.remove();
        this.rows.delete(id);
      }
    }
    const total = this.model.get("total_count");
    this.emptyCell.textContent = total ? _("No rows match the search and filters.") : _("No records yet.");
    if (rows.length === 0) this.body.append(this.emptyRow);
    else this.emptyRow.remove();
  }

  // -- the form ----------------------------------------------------------------------------

  openRecord(id) {
    this.mode = "edit";
    this.focusFormNext = true;
    this.send({ type: "select", id });
  }

  openNew() {
    this.mode = "new";
    this.formKey = "";
    this.send({ type: "select", id: "" });
    this.renderForm();
    const first = [...this.fields.values()].find((f) => !f.spec.readonly);
    if (first) first.focus();
  }

  closeForm() {
    this.mode = "none";
    this.send({ type: "select", id: "" });
    this.renderForm();
    this.renderRows();
    this.addButton.focus();
  }

  buildFields(onCommit) {
    this.fields.clear();
    this.formFields.replaceChildren();
    for (const spec of this.specs()) {
      if (this.mode === "new" && spec.readonly) continue;
      const field = new Field(spec, onCommit ? (value) => onCommit(spec.name, value) : null);
      if (this.mode === "new" && field.input && field.input.tagName === "INPUT") {
        field.input.addEventListener("keydown", (event) => {
          if (event.key === "Enter") this.submitNew();
        });
      }
      this.fields.set(spec.name, field);
      this.formFields.append(field.box);
    }
  }

  renderForm(focusFirst) {
    const selected = this.model.get("selected") || {};
    if (this.openAddedNext && selected.id) {
      this.openAddedNext = false;
      this.mode = "edit";
    }
    if (this.mode === "edit" && !selected.id) this.mode = "none";
    if (this.mode === "new" && !this.model.get("can_add")) this.mode = "none";
    this.formPane.hidden = this.mode === "none";
    this.layout.classList.toggle("cswb-et-with-form", this.mode !== "none");
    const key = `${this.mode}:${this.mode === "edit" ? selected.id : ""}:${this.structure}`;
    if (key !== this.formKey) {
      this.formKey = key;
      if (this.mode === "edit") {
        const id = selected.id;
        this.buildFields((column, value) => this.send({ type: "edit", id, column, value }));
      } else if (this.mode === "new") {
        this.buildFields(null);
        this.resetNew();
        this.applyDraft();
        this.renderAddErrors();
      } else {
        this.fields.clear();
        this.formFields.replaceChildren();
      }
    }
    this.saveNewButton.hidden = this.mode !== "new";
    this.deleteButton.hidden = this.mode !== "edit" || !this.model.get("can_delete");
    if (this.mode === "edit") {
      this.formHeading.textContent = _("Editing {record}", { record: selected.label });
      this.deleteButton.replaceChildren(document.createTextNode(_("Delete")), visuallyHidden(_(" row {number}", { number: selected.n })));
      const errors = this.model.get("cell_errors") || {};
      for (const [name, field] of this.fields) {
        field.setLabel("", _(", row {number}", { number: selected.n }));
        const error = errors[`${selected.id}/${name}`];
        // Never overwrite the field being edited; a refused value stays as the user typed it.
        if (!field.isActive()) field.set(error ? error.value : (selected.values || {})[name]);
        field.showError(error ? error.message : "");
      }
    } else if (this.mode === "new") {
      this.formHeading.textContent = _("New row");
      for (const field of this.fields.values()) field.setLabel(_("New row: "), "");
    }
    if (focusFirst || this.focusFormNext) {
      this.focusFormNext = false;
      if (this.mode === "edit") {
        const first = [...this.fields.values()].find((f) => !f.spec.readonly);
        if (first) first.focus();
      }
    }
    this.renderRows();
  }

  submitNew() {
    const values = {};
    for (const [name, field] of this.fields) values[name] = field.get();
    this.send({ type: "add", values });
  }

  resetNew() {
    const start = this.model.get("new_row") || {};
    for (const [name, field] of this.fields) {
      field.set(start[name] ?? "");
      field.showError("");
    }
  }

  applyDraft() {
    if (this.mode !== "new") return;
    const draft = this.model.get("draft") || {};
    for (const [name, value] of Object.entries(draft)) {
      const field = this.fields.get(name);
      if (field && !field.isActive()) field.set(value);
    }
  }

  renderAddErrors() {
    if (this.mode !== "new") return;
    const errors = this.model.get("add_errors") || {};
    for (const [name, field] of this.fields) field.showError(errors[name] || "");
  }

  // -- bar, status, polling ----------------------------------------------------------------

  renderBar() {
    const label = this.model.get("undo_label");
    this.undoButton.hidden = !label;
    this.undoButton.textContent = label ? _("Undo delete of {record}", { record: label }) : _("Undo");
    // Keep keyboard users in place: the Delete button they pressed is gone, so Undo takes
    // focus; once nothing is left to undo, the table does. A flag is spent only when used,
    // since the changes of one save may arrive in any order.
    if (label && this.focusUndoNext) {
      this.focusUndoNext = false;
      this.undoButton.focus();
    }
    if (!label && this.focusTableNext) {
      this.focusTableNext = false;
      this.table.focus();
    }
    const page = this.model.get("page");
    const pages = this.model.get("page_count");
    const count = this.model.get("row_count");
    const total = this.model.get("total_count");
    const words = count !== total
      ? (count === 1 ? _("{count} row of {total}", { count, total }) : _("{count} rows of {total}", { count, total }))
      : (count === 1 ? _("{count} row", { count }) : _("{count} rows", { count }));
    const rows = words;
    this.pageText.textContent = pages > 1 ? _("Page {page} of {pages} ({rows})", { page: page + 1, pages, rows }) : rows;
    this.previousButton.hidden = pages <= 1;
    this.nextButton.hidden = pages <= 1;
    this.previousButton.disabled = page <= 0;
    this.nextButton.disabled = page >= pages - 1;
    this.addButton.hidden = !this.model.get("can_add");
  }

  renderStatus() {
    this.status.textContent = this.model.get("status");
    this.status.dataset.kind = this.model.get("status_kind");
  }

  startPolling() {
    const seconds = Number(this.model.get("refresh_seconds"));
    if (!(seconds > 0)) return;
    // Pick up other people's edits, but never while someone is typing in the form.
    this.timer = setInterval(() => {
      if (document.hidden || isEditing(this.root)) return;
      this.send({ type: "refresh" });
    }, seconds * 1000);
  }

  destroy() {
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.searchTimer);
    for (const [event, handler] of this.handlers) this.model.off(event, handler);
    this.root.remove();
  }
}

export default {
  render({ model, el }) {
    const view = new TableView(model, el);
    return () => view.destroy();
  },
};
