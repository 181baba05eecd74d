// Deferred sections (widgets/sections.py): tells the kernel that the placeholder is on screen, once the
// browser has painted the page and is idle, so building sections never delays the first controls.
export default {
  render({ model }) {
    const shown = () => model.send({ type: "shown" });
    if (window.requestIdleCallback) window.requestIdleCallback(shown, { timeout: 1000 });
    else setTimeout(shown, 0);
  },
};
