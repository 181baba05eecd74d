// BrowserMemory: a few choices kept in this browser (localStorage), per page and workspace,
// so a reload shows them again. Nothing is drawn; a browser that refuses storage keeps nothing.
function storageKey(model) {
  const workspace = new URLSearchParams(location.search).get("workspace") || "";
  return `cswb-memory:${location.pathname}:${workspace}:${model.get("key")}`;
}

export default {
  render({ model }) {
    const key = storageKey(model);
    try {
      const kept = JSON.parse(localStorage.getItem(key) || "null");
      if (kept && typeof kept === "object" && JSON.stringify(kept) !== JSON.stringify(model.get("value"))) {
        model.set("value", kept);
        model.save_changes();
      }
    } catch (error) {
      // Storage refused or a value from an older version: start from the kernel's choices.
    }
    const keep = () => {
      try {
        localStorage.setItem(key, JSON.stringify(model.get("value") || {}));
      } catch (error) {
        // Storage refused (private mode, quota): the choices apply, they are just not kept.
      }
    };
    model.on("change:value", keep);
    return () => model.off("change:value", keep);
  },
};
