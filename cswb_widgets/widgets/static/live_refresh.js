// Computed sections (widgets/sections.py LiveHTML): ask the kernel every few seconds whether the
// workspace changed (another person's edit, from another page), while this page is in view;
// the kernel recomputes only if it did. Replaces a "Refresh" button under each section.
export default {
  render({ model }) {
    const seconds = Number(model.get("refresh_seconds"));
    if (!(seconds > 0)) return undefined;
    const timer = setInterval(() => {
      if (!document.hidden) model.send({ type: "tick" });
    }, seconds * 1000);
    return () => clearInterval(timer);
  },
};
