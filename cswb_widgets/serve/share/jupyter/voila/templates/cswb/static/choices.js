// CSWB Workbook apps: lists where several choices are allowed (ipywidgets SelectMultiple, a
// <select multiple>) choose and unchoose with a plain click, no Ctrl or Shift needed, and say so.
// ipywidgets reads the choice from the select's "change" event, which is sent as the browser would.
(function () {
  "use strict";
  var HINT = cswbText("Click to choose or unchoose; several allowed.");

  function hint(select) {
    if (select.dataset.cswbChoices) return;
    select.dataset.cswbChoices = "1";
    var note = document.createElement("span");
    note.className = "cswb-choices-hint";
    note.id = "cswb-choices-" + Math.random().toString(36).slice(2);
    note.textContent = HINT;
    (select.closest(".jupyter-widgets") || select).insertAdjacentElement("afterend", note);
    var described = select.getAttribute("aria-describedby");
    select.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
  }

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("select[multiple] option");
    if (!option || event.button !== 0 || event.shiftKey || event.ctrlKey || event.metaKey) return;
    var select = option.closest("select");
    if (select.disabled || option.disabled) return;
    event.preventDefault();  // the browser would replace the choice with this one option
    var top = select.scrollTop;
    option.selected = !option.selected;
    select.focus({ preventScroll: true });
    select.scrollTop = top;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }, true);

  var pending = false;
  function scan() {
    pending = false;
    document.querySelectorAll("select[multiple]").forEach(hint);
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(scan); }
  }
  function start() {
    scan();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
