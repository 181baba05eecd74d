// Helpers of the ballot's ratings and of the tally. An anywidget module cannot import another
// file, so widgets/_static.py puts this one in front of vote_ratings.js and vote_tally.js.
const uniqueId = makeIds("cswb-vote");  // makeIds and h: dom.js

// Ask the kernel for news every `refresh_seconds` while the page is visible.
function poll(model, isBusy = () => false) {
  let timer = null;
  const start = () => {
    if (timer) clearInterval(timer);
    timer = null;
    const seconds = Number(model.get("refresh_seconds"));
    if (!(seconds > 0)) return;
    timer = setInterval(() => {
      if (!document.hidden && !isBusy()) model.send({ type: "refresh" });
    }, seconds * 1000);
  };
  start();
  model.on("change:refresh_seconds", start);
  return () => {
    if (timer) clearInterval(timer);
    model.off("change:refresh_seconds", start);
  };
}
