// EditableTable's browser side; the rules it keeps are listed in widgets/_table_front.py.
const uniqueId = makeIds("cswb-et");  // makeIds and h: dom.js

function visuallyHidden(text) {
  return h("span", { class: "cswb-et-vh" }, text);
}

function isEditing(root) {
  const active = document.activeElement;
  return !!active && root.contains(active) && active.matches("input, select, textarea, summary");
}

// One editable cell: a text/number/date input, a select, or a group of checkboxes.
class Cell {
  constructor(spec, label, onCommit) {
    this.spec = spec;
    this.td = h("td", { class: "cswb-et-cell" });
    this.error = h("span", { class: "cswb-et-error", id: uniqueId("error"), hidden: true });
    this.onCommit = onCommit;
    if (spec.readonly) this.buildReadonly();
    else if (spec.control === "select") this.buildSelect();
    else if (spec.control === "multi") this.buildMulti();
    else this.buildInput();
    this.td.append(this.error);
    this.setLabel(label);
  }

  buildReadonly() {
    this.text = h("span", { class: "cswb-et-readonly" });
    this.focusable = null;
    this.td.append(this.text);
  }

  buildInput() {
    const attrs = { type: this.spec.control === "date" ? "date" : "text", class: "cswb-et-input" };
    if (this.spec.control === "number") attrs.inputmode = this.spec.integer ? "numeric" : "decimal";
    this.input = h("input", attrs);
    this.input.addEventListener("change", () => this.onCommit && this.onCommit(this.get()));
    this.focusable = this.input;
    this.td.append(this.input);
  }

  buildSelect() {
    this.input = h("select", { class: "cswb-et-select" });
    this.input.addEventListener("change", () => this.onCommit && this.onCommit(this.get()));
    this.focusable = this.input;
    this.setOptions(this.spec.options || []);
    this.td.append(this.input);
  }

  buildMulti() {
    this.details = h("details", { class: "cswb-et-multi" });
    this.summary = h("summary");
    this.summaryLabel = visuallyHidden("");
    this.summaryText = h("span");
    this.summary.append(this.summaryLabel, this.summaryText);
    this.fieldset = h("fieldset");
    this.legend = h("legend", { class: "cswb-et-vh" });
    this.boxes = h("div", { class: "cswb-et-boxes" });
    this.fieldset.append(this.legend, this.boxes);
    this.details.append(this.summary, this.fieldset);
    this.focusable = this.summary;
    this.setOptions(this.spec.options || []);
    this.td.append(this.details);
  }

  setLabel(label) {
    this.label = label;
    if (this.input) this.input.setAttribute("aria-label", label);
    if (this.summary) {
      this.summaryLabel.textContent = `${label}: `;
      this.legend.textContent = label;
    }
  }

  setOptions(options) {
    this.spec = { ...this.spec, options };
    if (this.input && this.input.tagName === "SELECT") {
      const current = this.input.value;
      this.input.replaceChildren(h("option", { value: "" }, "(none)"));
      for (const [value, name] of options) this.input.append(h("option", { value }, name));
      this.set(current);
    } else if (this.boxes) {
      const current = this.get();
      this.boxes.replaceChildren();
      for (const [value, name] of options) {
        const box = h("input", { type: "checkbox", value });
        box.addEventListener("change", () => {
          this.showSummary();
          if (this.onCommit) this.onCommit(this.get());
        });
        const label = h("label", { class: "cswb-et-box" });
        label.append(box, h("span", {}, name));
        this.boxes.append(label);
      }
      this.set(current);
    }
  }

  nameOf(value) {
    const found = (this.spec.options || []).find(([v]) => v === value);
    return found ? found[1] : value;
  }

  get() {
    if (this.boxes) {
      return [...this.boxes.querySelectorAll("input:checked")].map((box) => box.value);
    }
    return this.input ? this.input.value : this.value;
  }

  set(value) {
    this.value = value;
    if (this.text) {
      const values = Array.isArray(value) ? value : [value ?? ""];
      this.text.textContent = values.map((v) => this.nameOf(v)).join(", ");
    } else if (this.boxes) {
      const wanted = new Set(Array.isArray(value) ? value : []);
      for (const box of this.boxes.querySelectorAll("input")) box.checked = wanted.has(box.value);
      // A stored item the options do not know (a deleted record) still shows, unchecked.
      this.unknown = [...wanted].filter((v) => !(this.spec.options || []).some(([o]) => o === v));
      this.showSummary();
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

  showSummary() {
    const names = this.get().map((v) => this.nameOf(v)).concat(this.unknown || []);
    this.summaryText.textContent = names.length ? names.join(", ") : "(none)";
  }

  isActive() {
    const active = document.activeElement;
    return !!active && this.td.contains(active);
  }

  showError(message) {
    const target = this.input || this.summary;
    if (message) {
      this.error.replaceChildren(h("span", { "aria-hidden": "true" }, "\u26a0 "), document.createTextNode(message));
      this.error.hidden = false;
      if (target) {
        target.setAttribute("aria-invalid", "true");
        target.setAttribute("aria-describedby", this.error.id);
      }
      this.td.classList.add("cswb-et-invalid");
    } else {
      this.error.replaceChildren();
      this.error.hidden = true;
      if (target) {
        target.removeAttribute("aria-invalid");
        target.removeAttribute("aria-describedby");
      }
      this.td.classList.remove("cswb-et-invalid");
    }
  }

  focus() {
    if (this.focusable) this.focusable.focus();
  }
}

class TableView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.rows = new Map(); // record id -> { tr, header, cells, deleteButton, n }
    this.addCells = new Map();
    this.structure = "";
    this.build();
    this.handlers = [];
    this.listen("change:column_specs change:rows change:cell_errors", () => this.renderTable());
    this.listen("change:add_errors", () => this.renderAddErrors());
    this.listen("change:draft", () => this.applyDraft());
    this.listen("change:added_count", () => this.resetAddRow(true));
    this.listen("change:status change:status_kind", () => this.renderStatus());
    const barTraits = "undo_label page page_count row_count can_add can_delete";
    this.listen(barTraits.split(" ").map((name) => `change:${name}`).join(" "), () => this.renderBar());
    this.listen("change:caption", () => { this.captionText.textContent = model.get("caption"); });
    this.renderTable();
    this.renderBar();
    this.renderStatus();
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
    this.table = h("table", { class: "cswb-et-table", tabindex: "-1" });
    this.captionText = h("span", {}, this.model.get("caption"));
    const caption = h("caption");
    caption.append(this.captionText);
    this.thead = h("thead");
    this.body = h("tbody");
    this.emptyRow = h("tr", { class: "cswb-et-empty" });
    this.emptyCell = h("td", {}, "No records yet.");
    this.emptyRow.append(this.emptyCell);
    this.addBody = h("tbody", { class: "cswb-et-new" });
    this.table.append(caption, this.thead, this.body, this.addBody);
    const scroller = h("div", { class: "cswb-et-scroll" });
    scroller.append(this.table);

    this.bar = h("div", { class: "cswb-et-bar" });
    this.undoButton = h("button", { type: "button", class: "cswb-et-button", hidden: true });
    this.undoButton.addEventListener("click", () => {
      this.focusTableNext = true;
      this.send({ type: "undo" });
    });
    this.pager = h("div", { class: "cswb-et-pager" });
    this.previousButton = h("button", { type: "button", class: "cswb-et-button" }, "Previous page");
    this.nextButton = h("button", { type: "button", class: "cswb-et-button" }, "Next page");
    this.pageText = h("span", { class: "cswb-et-page" });
    this.previousButton.addEventListener("click", () => this.send({ type: "page", page: this.model.get("page") - 1 }));
    this.nextButton.addEventListener("click", () => this.send({ type: "page", page: this.model.get("page") + 1 }));
    this.pager.append(this.previousButton, this.pageText, this.nextButton);
    this.bar.append(this.undoButton, this.pager);

    this.status = h("p", { class: "cswb-et-status", role: "status", "aria-live": "polite" });
    this.root.append(scroller, this.bar, this.status);
    this.el.append(this.root);
  }

  send(message) {
    this.model.send(message);
  }

  specs() {
    return this.model.get("column_specs") || [];
  }

  renderTable() {
    const specs = this.specs();
    const structure = JSON.stringify(specs.map((s) => [s.name, s.control, s.label, s.readonly, s.required, s.hint]));
    if (structure !== this.structure) {
      this.structure = structure;
      this.buildHeader(specs);
      this.body.replaceChildren();
      this.rows.clear();
      this.buildAddRow(specs);
    } else {
      this.updateOptions(specs);
    }
    this.renderRows(specs);
  }

  buildHeader(specs) {
    const tr = h("tr");
    tr.append(h("th", { scope: "col" }, "Row"));
    for (const spec of specs) {
      const th = h("th", { scope: "col" }, spec.label);
      if (spec.required) th.append(h("span", { class: "cswb-et-required" }, " (required)"));
      if (spec.hint) th.append(h("span", { class: "cswb-et-hint" }, ` (${spec.hint})`));
      tr.append(th);
    }
    tr.append(h("th", { scope: "col" }, "Actions"));
    this.thead.replaceChildren(tr);
    this.emptyCell.setAttribute("colspan", String(specs.length + 2));
  }

  updateOptions(specs) {
    const changed = specs.filter((s) => s.options);
    for (const entry of [...this.rows.values(), { cells: this.addCells }]) {
      for (const spec of changed) {
        const cell = entry.cells.get(spec.name);
        if (cell && JSON.stringify(cell.spec.options) !== JSON.stringify(spec.options) && !cell.isActive()) {
          cell.setOptions(spec.options);
        }
      }
    }
  }

  makeRow(row, specs) {
    const tr = h("tr");
    const header = h("th", { scope: "row" });
    tr.append(header);
    const cells = new Map();
    for (const spec of specs) {
      const cell = new Cell(spec, "", (value) => this.send({ type: "edit", id: row.id, column: spec.name, value }));
      cells.set(spec.name, cell);
      tr.append(cell.td);
    }
    const actions = h("td", { class: "cswb-et-actions" });
    const deleteButton = h("button", { type: "button", class: "cswb-et-button" });
    deleteButton.addEventListener("click", () => {
      this.focusUndoNext = true;
      this.send({ type: "delete", id: row.id });
    });
    actions.append(deleteButton);
    tr.append(actions);
    return { tr, header, cells, deleteButton, n: null };
  }

  renderRows(specs) {
    const rows = this.model.get("rows") || [];
    const errors = this.model.get("cell_errors") || {};
    const seen = new Set();
    rows.forEach((row, index) => {
      seen.add(row.id);
      let entry = this.rows.get(row.id);
      if (!entry) {
        entry = this.makeRow(row, specs);
        this.rows.set(row.id, entry);
      }
      if (entry.n !== row.n) {
        entry.n = row.n;
        entry.header.textContent = String(row.n);
        entry.deleteButton.replaceChildren(document.createTextNode("Delete"), visuallyHidden(` row ${row.n}`));
        for (const spec of specs) entry.cells.get(spec.name).setLabel(`${spec.label}, row ${row.n}`);
      }
      entry.deleteButton.hidden = !this.model.get("can_delete");
      for (const spec of specs) {
        const cell = entry.cells.get(spec.name);
        const error = errors[`${row.id}/${spec.name}`];
        // Never overwrite the cell being edited; a refused value stays as the user typed it.
        if (!cell.isActive()) cell.set(error ? error.value : row.values[spec.name]);
        cell.showError(error ? error.message : "");
      }
      if (this.body.children[index] !== entry.tr) this.body.insertBefore(entry.tr, this.body.children[index] || null);
    });
    for (const [id, entry] of this.rows) {
      if (!seen.has(id)) {
        entry.tr.remove();
        this.rows.delete(id);
      }
    }
    if (rows.length === 0) this.body.append(this.emptyRow);
    else this.emptyRow.remove();
  }

  buildAddRow(specs) {
    this.addCells.clear();
    const tr = h("tr");
    tr.append(h("th", { scope: "row" }, "New"));
    for (const spec of specs) {
      if (spec.readonly) {
        tr.append(h("td"));
        continue;
      }
      const cell = new Cell(spec, `New row: ${spec.label}`, null);
      if (cell.input && cell.input.tagName === "INPUT") {
        cell.input.addEventListener("keydown", (event) => {
          if (event.key === "Enter") this.submitAddRow();
        });
      }
      this.addCells.set(spec.name, cell);
      tr.append(cell.td);
    }
    const actions = h("td", { class: "cswb-et-actions" });
    this.addButton = h("button", { type: "button", class: "cswb-et-button" }, "Add row");
    this.addButton.addEventListener("click", () => this.submitAddRow());
    actions.append(this.addButton);
    tr.append(actions);
    this.addBody.replaceChildren(tr);
    this.addBody.hidden = !this.model.get("can_add");
    this.resetAddRow(false);
    this.applyDraft();
    this.renderAddErrors();
  }

  submitAddRow() {
    const values = {};
    for (const [name, cell] of this.addCells) values[name] = cell.get();
    this.send({ type: "add", values });
  }

  resetAddRow(focusFirst) {
    const start = this.model.get("new_row") || {};
    for (const [name, cell] of this.addCells) {
      cell.set(start[name] ?? "");
      cell.showError("");
    }
    if (focusFirst) {
      const first = this.addCells.values().next().value;
      if (first) first.focus();
    }
  }

  applyDraft() {
    const draft = this.model.get("draft") || {};
    for (const [name, value] of Object.entries(draft)) {
      const cell = this.addCells.get(name);
      if (cell && !cell.isActive()) cell.set(value);
    }
  }

  renderAddErrors() {
    const errors = this.model.get("add_errors") || {};
    for (const [name, cell] of this.addCells) cell.showError(errors[name] || "");
  }

  renderBar() {
    const label = this.model.get("undo_label");
    this.undoButton.hidden = !label;
    this.undoButton.textContent = label ? `Undo delete of ${label}` : "Undo";
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
    this.pageText.textContent = pages > 1
      ? `Page ${page + 1} of ${pages} (${count} rows)`
      : `${count} ${count === 1 ? "row" : "rows"}`;
    this.previousButton.hidden = pages <= 1;
    this.nextButton.hidden = pages <= 1;
    this.previousButton.disabled = page <= 0;
    this.nextButton.disabled = page >= pages - 1;
    this.addBody.hidden = !this.model.get("can_add");
  }

  renderStatus() {
    this.status.textContent = this.model.get("status");
    this.status.dataset.kind = this.model.get("status_kind");
  }

  startPolling() {
    const seconds = Number(this.model.get("refresh_seconds"));
    if (!(seconds > 0)) return;
    // Pick up other people's edits, but never while someone is typing in this table.
    this.timer = setInterval(() => {
      if (document.hidden || isEditing(this.root)) return;
      this.send({ type: "refresh" });
    }, seconds * 1000);
  }

  destroy() {
    if (this.timer) clearInterval(this.timer);
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
