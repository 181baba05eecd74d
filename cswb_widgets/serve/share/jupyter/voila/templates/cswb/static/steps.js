// CSWB Workbook apps: each workbook as a short set of steps, one shown at a time.
//
// The steps come from the notebook's own outline, never from a list kept here: every Markdown
// cell with a level-2 heading starts a step, and the cells after it (up to the next such heading)
// belong to it; an analyst's added heading or cell therefore shows up as a step or in one. The
// cells before the first heading (title, stage header) stay on screen above the step menu.
//
// A step is named in the address (`#step-<id>`, the id being the step's first `part:` tag, which
// the notebook contract keeps stable, else its heading), so a reload, a bookmark or the Back
// button returns to it. The menu is a list of plain links: Tab and Enter reach every step.
//
// "What to do next": the stage header (render/header.py) lists this stage's unmet readiness
// checks, each naming the part where it is fixed (`data-part`); each step shows those of its
// own parts at its top, and the header's list links to their steps.
(function () {
  "use strict";
  var PREFIX = "step-";
  var HIDDEN = "cswb-step-hidden";
  var steps = [];   // { id, title, cells: [Element], heading: Element, todo: Element }
  var nav = null;
  var building = false;

  function text(element) {
    var copy = element.cloneNode(true);
    copy.querySelectorAll(".jp-InternalAnchorLink, .anchor-link").forEach(function (a) { a.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function slug(words) {
    return words.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "step";
  }

  function partsOf(cell) {
    var parts = [];
    cell.classList.forEach(function (name) {
      if (name.indexOf("celltag_part:") === 0) parts.push(name.slice("celltag_part:".length));
    });
    return parts;
  }

  function stepHeading(cell) {
    if (!cell.classList.contains("jp-MarkdownCell")) return null;
    return cell.querySelector(".jp-RenderedMarkdown h2, .jp-RenderedHTMLCommon h2");
  }

  function collect(container) {
    var found = [];
    var used = {};
    Array.prototype.forEach.call(container.querySelectorAll(".jp-Cell"), function (cell) {
      var heading = stepHeading(cell);
      if (heading) {
        found.push({ title: text(heading), heading: heading, cells: [cell], parts: [] });
      } else if (found.length) {
        found[found.length - 1].cells.push(cell);
      }
      if (found.length) found[found.length - 1].parts = found[found.length - 1].parts.concat(partsOf(cell));
    });
    found.forEach(function (step) {
      var id = slug(step.parts.length ? step.parts[0] : step.title);
      while (used[id]) id += "-2";  // two headings of the same words: still two addresses
      used[id] = true;
      step.id = id;
    });
    return found;
  }

  function stepFromHash() {
    var hash = decodeURIComponent(window.location.hash.slice(1));
    var wanted = hash.indexOf(PREFIX) === 0 ? hash.slice(PREFIX.length) : "";
    for (var i = 0; i < steps.length; i++) {
      if (steps[i].id === wanted || steps[i].parts.indexOf(wanted) >= 0) return steps[i];
    }
    return null;
  }

  function show(step, moveFocus) {
    steps.forEach(function (other) {
      var on = other === step;
      other.cells.forEach(function (cell) { cell.classList.toggle(HIDDEN, !on); });
      other.link.setAttribute("aria-current", on ? "step" : "false");
      if (on) other.link.removeAttribute("tabindex");
    });
    document.body.setAttribute("data-cswb-step", step.id);
    // Maps and charts drawn while their step was hidden measured a size of zero: let them re-measure.
    window.dispatchEvent(new Event("resize"));
    if (moveFocus) {
      step.heading.setAttribute("tabindex", "-1");
      step.heading.focus({ preventScroll: true });
      // Bring the step's start just under the (sticky) menu: on a projector all of it that fits is in view.
      var scroller = scrollParent(nav);
      if (scroller) {
        var top = step.cells[0].getBoundingClientRect().top - scroller.getBoundingClientRect().top;
        scroller.scrollTop = Math.max(0, scroller.scrollTop + top - nav.offsetHeight);
      }
    }
  }

  function scrollParent(element) {
    for (var e = element && element.parentElement; e; e = e.parentElement) {
      var style = window.getComputedStyle(e);
      if (/(auto|scroll)/.test(style.overflowY) && e.scrollHeight > e.clientHeight) return e;
    }
    return document.scrollingElement;
  }

  function buildMenu(container) {
    nav = document.createElement("nav");
    nav.className = "cswb-steps";
    nav.setAttribute("aria-label", cswbText("Steps of this workbook"));
    var list = document.createElement("ol");
    steps.forEach(function (step, index) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + PREFIX + step.id;
      link.className = "cswb-step-link";
      var number = document.createElement("span");
      number.className = "cswb-step-number";
      number.textContent = String(index + 1);
      link.appendChild(number);
      link.appendChild(document.createTextNode(step.title));
      item.appendChild(link);
      list.appendChild(item);
      step.link = link;
      step.todo = document.createElement("div");
      step.todo.className = "cswb-step-todo";
      step.todo.hidden = true;
      step.heading.closest(".jp-Cell").querySelector(".jp-RenderedMarkdown, .jp-RenderedHTMLCommon").appendChild(step.todo);
    });
    nav.appendChild(list);
    var first = steps[0].cells[0];
    first.parentNode.insertBefore(nav, first);
  }

  // The menu wears the plan's colours, as the stage header does (it checked their contrast).
  function planColours() {
    var header = document.querySelector(".cswb-header");
    if (!header) return;
    var style = window.getComputedStyle(header);
    document.body.style.setProperty("--cswb-plan", style.backgroundColor);
    document.body.style.setProperty("--cswb-plan-text", style.color);
  }

  // The header's unmet checks, each shown again at the top of the step that holds its part.
  function placeTodo() {
    planColours();
    var items = document.querySelectorAll(".cswb-next li[data-part]");
    steps.forEach(function (step) {
      var mine = Array.prototype.filter.call(items, function (item) {
        return step.parts.indexOf(item.getAttribute("data-part")) >= 0;
      });
      var signature = mine.map(function (item) { return item.textContent; }).join("\n");
      if (step.todo.getAttribute("data-signature") === signature) return;
      step.todo.setAttribute("data-signature", signature);
      step.todo.textContent = "";
      step.todo.hidden = mine.length === 0;
      if (!mine.length) return;
      var title = document.createElement("p");
      title.className = "cswb-step-todo-title";
      title.textContent = cswbText("What to do next in this step");
      var list = document.createElement("ul");
      mine.forEach(function (item) {
        var copy = document.createElement("li");
        copy.textContent = item.textContent.replace(/\s*(Go to the step|Aller à l’étape)\.?$/, "");
        list.appendChild(copy);
      });
      step.todo.appendChild(title);
      step.todo.appendChild(list);
    });
    // Links in the header's list name a part; point them at its step's address.
    document.querySelectorAll(".cswb-next a[data-part-link]").forEach(function (link) {
      var part = link.getAttribute("data-part-link");
      var owner = steps.filter(function (step) { return step.parts.indexOf(part) >= 0; })[0];
      if (owner) link.setAttribute("href", "#" + PREFIX + owner.id);
      else link.removeAttribute("href");
    });
  }

  function build() {
    var container = document.getElementById("rendered_cells");
    if (!container || nav || building) return;
    // The participants' ballot page shows the ballot alone: no steps there.
    if (document.querySelector(".cswb-ballot-header")) return;
    building = true;
    steps = collect(container);
    if (steps.length < 2) { building = false; return; }
    buildMenu(container);
    document.body.classList.add("cswb-has-steps");
    show(stepFromHash() || steps[0], false);
    window.addEventListener("hashchange", function () {
      var step = stepFromHash();
      if (step) show(step, true);
    });
    building = false;
  }

  // For tests and other scripts: show the step holding `element` (a cell's content); its id, or null.
  // The address is replaced, not pushed, and no focus moves (a script may be typing somewhere).
  window.cswbSteps = {
    showStepOf: function (element) {
      var cell = element && element.closest && element.closest(".jp-Cell");
      var owner = steps.filter(function (step) { return step.cells.indexOf(cell) >= 0; })[0];
      if (!owner) return null;
      window.history.replaceState(window.history.state, "", "#" + PREFIX + owner.id);
      show(owner, false);
      return owner.id;
    },
  };

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      if (!nav) build();
      if (nav) placeTodo();
    });
  }

  function start() {
    build();
    schedule();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, characterData: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
