// The page's messages in its language, embedded by the template as JSON (no request); the other
// scripts say cswbText("..."), and `make i18n` extracts those calls.
function cswbText(text) {
  if (window.cswbMessages === undefined) {
    var data = document.getElementById("cswb-messages");
    try { window.cswbMessages = data ? JSON.parse(data.textContent || "{}") : {}; } catch (e) { window.cswbMessages = {}; }
  }
  return window.cswbMessages[text] || text;
}

// CSWB Workbook apps: give every ipywidgets control its description as its accessible name.
//
// ipywidgets 8 links some descriptions to their controls (text, dropdown) but not others: a
// slider's handle (role="slider") gets no name, which screen readers announce as "slider" alone
// and axe reports as `aria-input-field-name` (WCAG 4.1.2). Widgets render at any time, so watch
// the page and label each unnamed control with the `.widget-label` of its own widget.
(function () {
  "use strict";
  var CONTROLS = '[role="slider"], input:not([type="hidden"]), select, textarea, [role="listbox"], [role="combobox"]';
  var WIDGET = ".widget-inline-hbox, .widget-inline-vbox";
  var counter = 0;
  var pending = false;

  function hasName(control) {
    return control.hasAttribute("aria-label") || control.hasAttribute("aria-labelledby") ||
      (control.labels !== undefined && control.labels !== null && control.labels.length > 0);
  }

  function descriptionOf(control) {
    var widget = control.closest(WIDGET);
    var label = widget && widget.querySelector(":scope > .widget-label");
    return label && label.textContent.trim() ? label : null;
  }

  function nameControls() {
    pending = false;
    document.body.querySelectorAll(CONTROLS).forEach(function (control) {
      if (hasName(control)) return;
      var label = descriptionOf(control);
      if (!label) return;
      if (!label.id) label.id = "cswb-label-" + (++counter);
      control.setAttribute("aria-labelledby", label.id);
    });
  }

  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(nameControls);
    }
  }

  function start() {
    nameControls();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
