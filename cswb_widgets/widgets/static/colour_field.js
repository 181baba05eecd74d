// ColourField: a labelled colour picker (the browser's own), so a colour is picked, not typed as hex.
const colourIds = makeIds("cswb-colour");  // makeIds and h: dom.js

export default {
  render({ model, el }) {
    const id = colourIds("input");
    const label = h("label", { for: id, class: "cswb-colour-label" }, model.get("description"));
    const input = h("input", { type: "color", id, class: "cswb-colour-input" });
    input.value = model.get("value") || "#000000";
    input.addEventListener("change", () => {
      model.set("value", input.value);
      model.save_changes();
    });
    const show = () => { input.value = model.get("value") || "#000000"; };
    const relabel = () => { label.textContent = model.get("description"); };
    model.on("change:value", show);
    model.on("change:description", relabel);
    el.classList.add("cswb-colour");
    el.append(label, input);
    return () => {
      model.off("change:value", show);
      model.off("change:description", relabel);
    };
  },
};
