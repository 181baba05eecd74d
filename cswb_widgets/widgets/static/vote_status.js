// The ballot's status line and alert (_StatusLine in widgets/voting.py).
export default {
  render({ model, el }) {
    // Both live regions exist from the start, so screen readers announce what is put in them.
    const status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "cswb-vote-status";
    const alert = document.createElement("p");
    alert.setAttribute("role", "alert");
    alert.className = "cswb-vote-alert";
    el.append(status, alert);
    let timer = null;
    const show = () => {
      const error = model.get("kind") === "error";
      status.textContent = "";
      alert.textContent = "";
      // Emptied first and filled a moment later, so the same message said twice is heard twice.
      clearTimeout(timer);
      timer = setTimeout(() => { (error ? alert : status).textContent = model.get("text"); }, 50);
    };
    show();
    model.on("change:serial", show);
    return () => { clearTimeout(timer); model.off("change:serial", show); };
  },
};
