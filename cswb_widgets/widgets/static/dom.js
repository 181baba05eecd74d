// DOM helpers shared by the widgets' modules. An anywidget module cannot import another file,
// so widgets/_static.py puts this one in front of the modules that use it.

// Ids unique on the page, for labels and ARIA references: makeIds("cswb-et")("row") -> "cswb-et-row-1".
// The counter is the page's, not the module's: each widget may evaluate its own copy of this file.
function makeIds(prefix) {
  return (what) => {
    globalThis.cswbNextId = (globalThis.cswbNextId || 0) + 1;
    return `${prefix}-${what}-${globalThis.cswbNextId}`;
  };
}

// A message in the page's language: the apps' template embeds the catalogue as JSON (no request);
// without it (JupyterLab) the English stands. `{name}` placeholders are filled from `values`.
function _(text, values = {}) {
  if (globalThis.cswbMessages === undefined) {
    const data = document.getElementById("cswb-messages");
    try { globalThis.cswbMessages = data ? JSON.parse(data.textContent || "{}") : {}; } catch (e) { globalThis.cswbMessages = {}; }
  }
  let shown = globalThis.cswbMessages[text] || text;
  for (const [name, value] of Object.entries(values)) shown = shown.split(`{${name}}`).join(String(value));
  return shown;
}

// Builds an element; attribute values and text are set as data, never parsed as HTML.
function h(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}
