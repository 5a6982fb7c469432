// A chosen list in its order (a window's businesses in order of preference, a zone's windows):
// each choice ticked or not, the ticked ones moved by dragging or by the arrows (keyboard and
// touch alike). `HallOrder(box, options, chosen, onChange)`: options [{value, label}]; returns
// { get() } giving the ticked values in their order.
window.HallOrder = function (box, options, chosen, onChange) {
  "use strict";
  const t = window.Hall.t;
  const labels = Object.fromEntries(options.map((o) => [o.value, o.label]));
  // The ticked ones first, in their order, then the rest.
  let order = chosen.filter((v) => v in labels).concat(options.map((o) => o.value).filter((v) => !chosen.includes(v)));
  const ticked = new Set(chosen);
  let dragged = null;

  function arrow(text, label, fn) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "arrow";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", fn);
    return b;
  }
  function move(value, by) {
    const i = order.indexOf(value);
    const j = i + by;
    if (j < 0 || j >= order.length) return;
    order.splice(i, 1);
    order.splice(j, 0, value);
    paint(value);
    changed();
  }
  function changed() { if (onChange) onChange(get()); }
  function get() { return order.filter((v) => ticked.has(v)); }
  function paint(focus) {
    box.textContent = "";
    box.classList.add("order-list");
    order.forEach((value, i) => {
      const row = document.createElement("div");
      row.className = "order-row";
      row.dataset.value = value;
      row.draggable = true;
      row.classList.toggle("off", !ticked.has(value));
      const label = document.createElement("label");
      const box1 = document.createElement("input");
      box1.type = "checkbox";
      box1.value = value;
      box1.checked = ticked.has(value);
      box1.addEventListener("change", () => {
        if (box1.checked) ticked.add(value); else ticked.delete(value);
        paint();
        box.querySelector(`input[value="${CSS.escape(value)}"]`).focus();
        changed();
      });
      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = ticked.has(value) ? String(get().indexOf(value) + 1) : "";
      label.append(box1, rank, document.createTextNode(labels[value]));
      const up = arrow("↑", `${labels[value]} ${t("move_up")}`, () => move(value, -1));
      const down = arrow("↓", `${labels[value]} ${t("move_down")}`, () => move(value, 1));
      up.disabled = i === 0;
      down.disabled = i === order.length - 1;
      up.dataset.move = "up";
      down.dataset.move = "down";
      row.append(label, up, down);
      row.addEventListener("dragstart", (ev) => { dragged = value; ev.dataTransfer.effectAllowed = "move"; });
      row.addEventListener("dragover", (ev) => { ev.preventDefault(); });
      row.addEventListener("drop", (ev) => {
        ev.preventDefault();
        if (dragged == null || dragged === value) return;
        order.splice(order.indexOf(dragged), 1);
        order.splice(order.indexOf(value) + (ev.offsetY > row.clientHeight / 2 ? 1 : 0), 0, dragged);
        dragged = null;
        paint();
        changed();
      });
      box.appendChild(row);
      if (focus === value) (i === 0 ? down : up).focus();
    });
  }
  paint();
  return { get };
};
