// The projector's tally: ask the server for the latest figures every few seconds.
// The table arrives as HTML the server escaped; nothing typed by anyone is inserted here.
(function () {
  const messages = JSON.parse(document.getElementById("cswb-messages")?.textContent || "{}");
  const _ = (text) => messages[text] || text;
  const participants = document.getElementById("tally-participants");
  const table = document.getElementById("tally-table");
  const updated = document.getElementById("tally-updated");
  let shown = "";
  async function refresh() {
    try {
      const response = await fetch(CSWB_TALLY.dataUrl, {credentials: "same-origin", cache: "no-store"});
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (data.table_html !== shown) {
        table.innerHTML = data.table_html;
        shown = data.table_html;
      }
      if (participants.textContent !== data.participants_text) participants.textContent = data.participants_text;
      updated.textContent = _("Updated {time}").replace("{time}", new Date().toLocaleTimeString(document.documentElement.lang));
    } catch (error) {
      updated.textContent = _("Could not update the tally; trying again.");
    } finally {
      setTimeout(refresh, CSWB_TALLY.refreshMs);
    }
  }
  shown = table.innerHTML;
  setTimeout(refresh, CSWB_TALLY.refreshMs);
})();
