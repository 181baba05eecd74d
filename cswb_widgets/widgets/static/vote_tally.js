// The facilitator's live tally (VoteTally in widgets/voting.py); h and poll come from vote_common.js.
export default {
  render({ model, el }) {
    const root = h("div", { class: "cswb-vote-tally" });
    const count = h("p", { class: "cswb-vote-participants", role: "status" });
    const table = h("div", { class: "cswb-vote-table" });
    root.append(count, table);
    el.append(root);
    // The table's markup is built and escaped by the kernel (the same code as the report's).
    const showTable = () => { table.innerHTML = model.get("table_html"); };
    const showCount = () => { count.textContent = model.get("participants_text"); };
    showTable();
    showCount();
    model.on("change:table_html", showTable);
    model.on("change:participants_text", showCount);
    const stopPolling = poll(model);
    return () => {
      stopPolling();
      model.off("change:table_html", showTable);
      model.off("change:participants_text", showCount);
      root.remove();
    };
  },
};
