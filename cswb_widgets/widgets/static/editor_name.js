// The editor's name, asked once per browser (EditorName in widgets/editor_name.py).
// Kept in localStorage for this server's address: every workbook and every reload reads it back
// and tells its kernel, so the change history names the person instead of "workshop participant".
const STORAGE_KEY = "cswb-editor-name";

function stored() {
  try { return window.localStorage.getItem(STORAGE_KEY) || ""; } catch { return ""; }  // storage off
}

function store(name) {
  try {
    if (name) window.localStorage.setItem(STORAGE_KEY, name); else window.localStorage.removeItem(STORAGE_KEY);
  } catch { /* private mode: the name holds for this page only */ }
}

export default {
  render({ model, el }) {
    const ids = makeIds("cswb-editor");
    const inputId = ids("name");
    const hintId = ids("hint");
    const form = h("form", { class: "cswb-editor-name-form" });
    const label = h("label", { for: inputId }, _("Your name (for the change history)"));
    const input = h("input", { id: inputId, type: "text", maxlength: model.get("max_length"), autocomplete: "name",
                               "aria-describedby": hintId, placeholder: _("e.g. Alex from the library") });
    const save = h("button", { type: "submit" }, _("Save my name"));
    const hint = h("span", { id: hintId, class: "cswb-editor-name-hint" },
                   _("Asked once: this browser remembers it in every workbook."));
    form.append(label, input, save, hint);
    const shown = h("p", { class: "cswb-editor-name-shown" });
    const who = h("span");
    const change = h("button", { type: "button" }, _("Change name"));
    shown.append(who, change);
    el.append(form, shown);

    const show = () => {
      const name = model.get("name");
      who.textContent = name ? _("Editing as {name}", { name }) : "";
      shown.hidden = !name;
      form.hidden = Boolean(name);
    };
    const tell = (name) => {
      model.set("name", name);
      model.save_changes();
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = input.value.trim().replace(/\s+/g, " ");
      if (!name) { input.focus(); return; }
      store(name);
      tell(name);
    });
    change.addEventListener("click", () => {
      input.value = model.get("name");
      form.hidden = false;
      shown.hidden = true;
      input.focus();
    });
    const remembered = stored();
    if (remembered && remembered !== model.get("name")) tell(remembered);
    show();
    model.on("change:name", show);
    return () => model.off("change:name", show);
  },
};
