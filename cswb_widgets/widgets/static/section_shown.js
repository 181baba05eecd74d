// Deferred sections (widgets/sections.py): the placeholder's words, and a message to the kernel that
// the placeholder is on screen, once the browser has painted the page and is idle, so building
// sections never delays the first controls. One widget does both: every model on the page is one
// more the browser fetches and builds before it shows the first control.
export default {
  render({ model, el }) {
    const words = document.createElement("p");
    words.className = "cswb-loading";
    words.textContent = model.get("text");
    el.appendChild(words);
    const shown = () => model.send({ type: "shown" });
    if (window.requestIdleCallback) window.requestIdleCallback(shown, { timeout: 1000 });
    else setTimeout(shown, 0);
  },
};
