// The live parts of a room page: comments, the orders ticker, the viewer
// count and the pinned price, from the room's event stream (SSE: the
// guest's own, or without a guest the room's public one, which carries
// the same events minus what only buyers see), and a comment box that
// posts without leaving the page. The page works without
// this script; it only keeps it current. Plain ES module, no build step.

const room = document.getElementById("room");
const KEEP = 50; // items kept in each list

function item(list, build) {
  const li = document.createElement("li");
  build(li);
  list.prepend(li);
  while (list.children.length > KEEP) list.lastElementChild.remove();
}

// User text goes in as text (never HTML) and isolated (<bdi>), so neither
// markup nor right-to-left text can change the page.
function bdi(text) {
  const b = document.createElement("bdi");
  b.textContent = text;
  return b;
}

function money(m) {
  if (!m) return "";
  const exp = m.currency === "JPY" || m.currency === "KRW" ? 0 : 2;
  const v = (m.minor / 10 ** exp).toFixed(exp);
  return m.currency === "CNY" ? "¥" + v : v + " " + m.currency;
}

function setPin(title, now, usual) {
  const pinned = document.getElementById("pinned");
  if (!pinned) return;
  document.getElementById("pin-title").textContent = title;
  document.getElementById("pin-price").textContent = now;
  const s = document.getElementById("pin-usual");
  s.textContent = usual || "";
  s.hidden = !usual;
  pinned.hidden = false;
  document.getElementById("nothing-pinned")?.setAttribute("hidden", "");
}

function onEvent(e) {
  const comments = document.getElementById("comments");
  const ticker = document.getElementById("ticker");
  const viewers = document.getElementById("viewers");
  switch (e.type) {
    case "comment":
      item(comments, (li) => {
        const a = bdi(e.author);
        a.className = "author";
        li.append(a, bdi(e.text));
        li.dir = "auto";
      });
      break;
    case "order_placed":
      item(ticker, (li) => li.append(bdi(e.buyer), ` ${e.quantity} × `, bdi(e.title), ` ${money(e.unit_price)}`));
      break;
    case "viewer_joined":
    case "viewer_left":
    case "viewers":
      if (viewers) viewers.textContent = String(e.viewers);
      break;
    case "pinned":
      setPin(e.title, money(e.live_price || e.price), e.live_price ? money(e.price) : "");
      {
        const select = document.getElementById("listing");
        if (select) select.value = e.listing;
      }
      break;
    case "unpinned":
      document.getElementById("pinned")?.setAttribute("hidden", "");
      break;
    case "ended":
      location.reload();
      break;
  }
}

function follow(url) {
  // From the last event the page showed; a reconnect resumes by itself
  // (the browser sends Last-Event-ID).
  const source = new EventSource(`${url}?after=${room.dataset.after || 0}`);
  source.addEventListener("room", (m) => {
    room.dataset.after = m.lastEventId;
    try {
      onEvent(JSON.parse(m.data));
    } catch (_) {
      /* one bad event must not stop the rest */
    }
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) setTimeout(() => follow(url), 5000);
  };
}

function commentBox() {
  const form = document.getElementById("comment-form");
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const r = await fetch(form.action, { method: "POST", body, headers: { "x-requested-with": "fetch" } });
    if (r.ok) form.reset();
    else form.querySelector("input").setCustomValidity(await r.text()), form.reportValidity();
  });
  form.querySelector("input").addEventListener("input", (e) => e.target.setCustomValidity(""));
}

if (room && room.dataset.live === "true") {
  follow(room.dataset.guest === "true" ? room.dataset.events : room.dataset.publicEvents);
  commentBox();
}
