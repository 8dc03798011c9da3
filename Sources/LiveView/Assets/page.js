// The remote-assist page: a view of the session model, fed by the local server's WebSocket.
// Binary messages are the frame feed (FEED.md); text messages are JSON (state, chat, questions).
// Everything a peer wrote is put in the page with textContent, never as HTML.

const $ = (id) => document.getElementById(id);
const screen = $("screen"), pointer = $("pointer");
const ctx = screen.getContext("2d", { alpha: false, willReadFrequently: true });
const pctx = pointer.getContext("2d");
let role = "viewing", fit = true, cursor = null, spot = null, question = null, questionTimer = 0;
let frames = 0, bytes = 0, paused = false, ended = false;
// Pictures drawn and feed bytes received since the page loaded (shown as rates; read by the page bench).
globalThis.liveStats = { frames: 0, bytes: 0 };
const CHAT_LIMIT = 4095;

const socket = new WebSocket(`ws://${location.host}/feed`);
socket.binaryType = "arraybuffer";
socket.onmessage = (event) => {
  if (typeof event.data === "string") return message(JSON.parse(event.data));
  bytes += event.data.byteLength; liveStats.bytes += event.data.byteLength;
  draw(new DataView(event.data));
};
socket.onclose = () => { if (!ended) setState("disconnected from remote-assist (the command ended)"); };

function send(object) { if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(object)); }

// ---- the frame feed ----
function draw(v) {
  const n = v.byteLength, type = v.getUint8(0), u = (i) => v.getUint16(i);
  const bad = () => { throw new Error(`bad feed message type ${type}, ${n} bytes`); };
  switch (type) {
    case 1: { // resize
      if (n !== 5) bad();
      screen.width = pointer.width = u(1); screen.height = pointer.height = u(3);
      ctx.fillStyle = "#000"; ctx.fillRect(0, 0, screen.width, screen.height);
      layout(); break;
    }
    case 2: { // copy
      if (n !== 13) bad();
      const w = u(5), h = u(7);
      if (w && h) ctx.putImageData(ctx.getImageData(u(1), u(3), w, h), u(9), u(11));
      break;
    }
    case 3: { // pixels
      const w = u(5), h = u(7);
      if (n !== 9 + w * h * 4) bad();
      if (w && h) ctx.putImageData(new ImageData(new Uint8ClampedArray(v.buffer, v.byteOffset + 9, w * h * 4), w, h), u(1), u(3));
      break;
    }
    case 4: { // fill
      if (n !== 13) bad();
      ctx.fillStyle = `rgb(${v.getUint8(9)},${v.getUint8(10)},${v.getUint8(11)})`;
      ctx.fillRect(u(1), u(3), u(5), u(7));
      break;
    }
    case 5: { // cursor
      const w = u(5), h = u(7);
      if (n !== 9 + w * h * 4) bad();
      cursor = w && h ? { x: u(1), y: u(3), image: new ImageData(new Uint8ClampedArray(v.buffer.slice(9)), w, h) } : null;
      drawPointer(); break;
    }
    case 6: { // pointer position
      if (n !== 5) bad();
      spot = { x: u(1), y: u(3) }; drawPointer(); break;
    }
    case 7: frames++; liveStats.frames++; break; // end of one picture
    default: bad();
  }
}

function drawPointer() {
  pctx.clearRect(0, 0, pointer.width, pointer.height);
  if (cursor && spot) pctx.putImageData(cursor.image, spot.x - cursor.x, spot.y - cursor.y);
}

// Fit: the whole desktop in the window. 1:1: one remote pixel on one device pixel (crisp on HiDPI),
// with scroll bars when it is larger.
function layout() {
  const view = $("view");
  view.classList.toggle("fit", fit);
  $("scale").textContent = fit ? "1:1" : "Fit";
  let w = screen.width / devicePixelRatio, h = screen.height / devicePixelRatio;
  if (fit && screen.width && screen.height) {
    const s = Math.min(view.clientWidth / screen.width, view.clientHeight / screen.height);
    w = screen.width * s; h = screen.height * s;
  }
  for (const c of [screen, pointer]) { c.style.width = `${w}px`; c.style.height = `${h}px`; }
}
addEventListener("resize", layout);
matchMedia(`(resolution: ${devicePixelRatio}dppx)`).addEventListener("change", layout);

// ---- the session ----
function message(m) {
  switch (m.t) {
    case "hello":
      role = m.role;
      for (const e of document.querySelectorAll(role === "viewing" ? ".expert" : ".requester")) e.hidden = false;
      document.title = `remote-assist: ${m.me}`;
      layout(); break;
    case "state": state(m); break;
    case "chat": line(m.from, m.text, m.own); break;
    case "notice": note(m.text); break;
    case "question": ask(m); break;
  }
}

function state(m) {
  paused = !!m.paused;
  $("pause").textContent = paused ? "Resume" : "Pause";
  let text;
  if (m.phase === "ended") { ended = true; text = `ended: ${m.reason}`; }
  else if (m.phase === "viewing") text = paused ? `viewing ${m.peer}: paused by ${m.peer}` : `viewing ${m.peer}`;
  else if (m.phase === "sharing") text = paused ? `paused: ${m.peer} sees the last picture` : `${m.peer} is watching your screen`;
  else if (m.phase === "asking") text = `asking: ${m.peer}`;
  else text = "waiting";
  setState(text);
  $("watching").textContent = m.phase === "sharing" ? text : m.phase === "ended" ? text : "Nobody sees your screen.";
  for (const b of ["end", "snapshot", "pause", "line"]) $(b).disabled = ended;
}

function setState(text) { $("state").textContent = text; }

function line(from, text, own) {
  const li = document.createElement("li"), who = document.createElement("span");
  if (own) li.className = "own";
  who.className = "who"; who.textContent = `<${from}> `;
  li.append(who, document.createTextNode(text));
  append(li);
}

function note(text) {
  const li = document.createElement("li");
  li.className = "note"; li.textContent = text;
  append(li);
}

function append(li) {
  const list = $("transcript");
  list.append(li);
  while (list.children.length > 500) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

// The consent question: Deny has the focus; the server denies on timeout.
function ask(m) {
  const dialog = $("question");
  clearInterval(questionTimer);
  if (m.id == null) { question = null; if (dialog.open) dialog.close(); return; }
  question = m.id;
  // The verified name leads; the fingerprint's short form, its compare code (to read aloud) and the
  // address follow. A question without a fingerprint keeps its whole text.
  const naming = m.kind === "name_contact";
  const lead = { allow_viewing: `Allow ${m.who} to see your screen?`, accept_request: `${m.who} asks for your help. Accept?` };
  $("question-text").textContent = (m.short && lead[m.kind]) || m.text;
  const detail = m.short ? `${m.short} · compare code ${m.code} · from ${m.address}` : "";
  $("question-detail").textContent = detail; $("question-detail").hidden = !detail;
  $("question-name").hidden = !naming; $("question-name").value = "";
  $("allow").textContent = naming ? "Save" : m.kind === "allow_viewing" ? "Allow" : "Accept";
  $("deny").textContent = naming ? "This once" : "Deny";
  const deadline = Date.now() + m.timeout * 1000;
  const tick = () => { $("question-time").textContent = `${Math.max(0, Math.ceil((deadline - Date.now()) / 1000))} s left; ${naming ? "no answer: helped this once, not saved" : "no answer means no"}`; };
  tick(); questionTimer = setInterval(tick, 500);
  if (!dialog.open) dialog.showModal();
  (naming ? $("question-name") : $("deny")).focus();
}
function answer(yes) {
  if (question == null) return;
  const naming = !$("question-name").hidden;
  send(naming ? { t: "answer", question: question, yes: yes, name: $("question-name").value } : { t: "answer", question: question, yes: yes });
  question = null; clearInterval(questionTimer); $("question").close();
}
$("allow").onclick = () => answer(true);
$("deny").onclick = () => answer(false);
$("question").addEventListener("cancel", (e) => { e.preventDefault(); answer(false); });

$("say").onsubmit = (e) => {
  e.preventDefault();
  const text = $("line").value;
  if (!text.trim()) return;
  if (new TextEncoder().encode(text).length > CHAT_LIMIT) return note(`too long to send (at most ${CHAT_LIMIT} bytes)`);
  send({ t: "chat", text: text });
  $("line").value = "";
};
$("end").onclick = () => send({ t: "end" });
$("snapshot").onclick = () => send({ t: "snapshot" });
$("pause").onclick = () => send({ t: "pause", on: !paused });
$("scale").onclick = () => { fit = !fit; layout(); };

// Frame rate and bandwidth, once a second.
setInterval(() => {
  $("rates").textContent = role === "viewing" ? `${frames} fps, ${(bytes / 1024).toFixed(0)} KiB/s` : "";
  frames = 0; bytes = 0;
}, 1000);
