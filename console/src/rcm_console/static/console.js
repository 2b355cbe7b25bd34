// Keyboard: j / k move through a work list, Enter opens the row's first link.
document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("[data-keyboard-list]");
  if (!table) return;
  const rows = Array.from(table.querySelectorAll("tbody tr")).filter((r) => r.querySelector("a"));
  let at = -1;
  const show = (i) => {
    rows.forEach((r) => r.classList.remove("current"));
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("current");
    rows[at].querySelector("a").focus();
  };
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea") || !rows.length) return;
    if (e.key === "j") show(at + 1);
    else if (e.key === "k") show(at - 1);
  });
});
