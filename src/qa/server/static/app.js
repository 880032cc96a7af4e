// The qa web page: ask, read cited passages, open a source at its passage, follow up.
// Plain DOM, no framework and no build step; every text goes in through textContent,
// so nothing a document contains can run as markup.
"use strict";

const state = {
  conversation: [],   // earlier questions of this conversation, oldest first (the server plans follow-ups)
  corpusPrefix: "",   // a passage's path is this + "/" + its path inside the corpus
  busy: false,
};

const STOPWORDS = new Set(("a an and are as at be been but by can could did do does for from had has have how i if in into is it its " +
  "of on or over since so than that the their them then there these they this those to under up was were what when where which " +
  "who whom whose why will with would about after before did does said say tell").split(" "));

const $ = (id) => document.getElementById(id);

document.addEventListener("DOMContentLoaded", () => {
  $("ask-form").addEventListener("submit", (event) => { event.preventDefault(); ask(); });
  $("new-conversation").addEventListener("click", newConversation);
  $("close-source").addEventListener("click", closeSource);
  document.addEventListener("keydown", onKey);
  loadStatus();
  $("question").focus();
});

function onKey(event) {
  const typing = event.target instanceof HTMLInputElement;
  if (event.key === "Escape" && !$("source").hidden) { event.preventDefault(); closeSource(); return; }
  if (event.key === "/" && !typing) { event.preventDefault(); $("question").focus(); $("question").select(); return; }
  const card = event.target.closest && event.target.closest(".card");
  if (!card || typing) return;
  if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openSource(card); }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const cards = [...document.querySelectorAll(".card")];
    const next = cards[cards.indexOf(card) + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) next.focus();
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  const type = response.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await response.json() : await response.text();
  if (!response.ok) throw new Error(body && body.error ? body.error : `HTTP ${response.status}`);
  return body;
}

async function loadStatus() {
  try {
    const status = await api("/api/status");
    state.corpusPrefix = status.corpus_prefix;
    const fresh = status.up_to_date ? "up to date" : (status.changes ? `out of date: ${status.changes.summary}` : "not built");
    $("scope").textContent = `Searching the whole corpus ${status.corpus} — ${status.documents} documents, ${status.chunks} passages (${fresh})`;
  } catch (error) {
    $("scope").textContent = `Cannot read the index: ${error.message}`;
  }
}

function newConversation() {
  state.conversation = [];
  $("turns").replaceChildren();
  closeSource();
  $("question").value = "";
  $("question").focus();
}

async function ask() {
  const question = $("question").value.trim();
  if (!question || state.busy) return;
  showError(null);
  state.busy = true;
  $("ask-button").disabled = true;
  const pending = element("p", "pending", `Searching for “${question}”…`);
  $("turns").prepend(pending);
  try {
    const answer = await api("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, conversation: state.conversation }),
    });
    state.conversation.push(question);
    pending.replaceWith(renderTurn(answer));
    $("question").value = "";
  } catch (error) {
    pending.remove();
    showError(error.message);
  } finally {
    state.busy = false;
    $("ask-button").disabled = false;
    $("question").focus();
  }
}

function renderTurn(answer) {
  const turn = element("section", answer.no_answer ? "turn no-answer" : "turn");
  turn.append(element("h2", null, answer.question));
  if (answer.searched_for && answer.searched_for !== answer.question) {
    turn.append(element("p", "searched", `Follow-up: searched for “${answer.searched_for}”`));
  }
  if (answer.no_answer) {
    const missing = (answer.missing_names || []).join(", ");
    const why = missing ? `: it never mentions ${missing}.` : ".";
    turn.append(element("p", "no-answer-banner", `No passage in the corpus answers this question${why} The closest matches, all weak:`));
  }
  const words = questionWords(answer.searched_for || answer.question);
  for (const passage of answer.passages) turn.append(renderCard(passage, words));
  return turn;
}

function renderCard(passage, words) {
  const card = element("article", passage.weak ? "card weak" : "card");
  card.tabIndex = 0;
  card.dataset.passage = JSON.stringify(passage);
  const head = element("header");
  head.append(element("span", "rank", `[${passage.rank}]`));
  head.append(element("span", "trail", trail(passage)));
  const cite = element("button", "citation", citation(passage));
  cite.type = "button";
  cite.title = "Open the source at this passage";
  cite.tabIndex = -1; // the card itself is the keyboard stop; Enter on it opens the source
  head.append(cite);
  if (passage.weak) head.append(element("span", "tag", "weak match"));
  card.append(head);
  const text = element("p", "passage-text");
  const start = passage.text.indexOf(passage.highlight);
  if (start >= 0 && passage.highlight) {
    appendMarked(text, passage.text.slice(0, start), words);
    const mark = element("mark", "answer");
    appendMarked(mark, passage.highlight, words);
    text.append(mark);
    appendMarked(text, passage.text.slice(start + passage.highlight.length), words);
  } else {
    appendMarked(text, passage.text, words);
  }
  card.append(text);
  card.setAttribute("aria-label", `Passage ${passage.rank}: ${trail(passage)}, ${citation(passage)}${passage.weak ? ", weak match" : ""}`);
  card.addEventListener("click", () => openSource(card));
  return card;
}

function trail(passage) {
  return [passage.title, ...(passage.heading_path ? passage.heading_path.split(" > ") : [])].join(" › ");
}

// The same forms as `qa ask`: path:START-END, path p. N, path (text:START-END).
function citation(p) {
  if (p.page !== null && p.page !== undefined) {
    return p.end_page !== null && p.end_page !== p.page ? `${p.path} pp. ${p.page}-${p.end_page}` : `${p.path} p. ${p.page}`;
  }
  const lines = p.start_line === p.end_line ? `${p.start_line}` : `${p.start_line}-${p.end_line}`;
  return p.kind !== "text" ? `${p.path} (text:${lines})` : `${p.path}:${lines}`;
}

function questionWords(question) {
  const stems = new Set();
  for (const raw of question.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) || []) {
    const word = raw.replace(/['’]s$/, "");
    if (word.length < 3 || STOPWORDS.has(word)) continue;
    // A crude stem, enough to mark "announced" for "announce" and "attacks" for "attack".
    stems.add(word.length > 5 ? word.slice(0, word.length - 2) : word.replace(/(es|s)$/, ""));
  }
  return [...stems].filter((s) => s.length >= 3);
}

function appendMarked(parent, text, words) {
  if (!words.length) { parent.append(text); return; }
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join("|")})[\\p{L}\\p{N}]*`, "giu");
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    parent.append(text.slice(last, match.index));
    parent.append(element("span", "qword", match[0]));
    last = match.index + match[0].length;
  }
  parent.append(text.slice(last));
}

// Offsets from qa count code points; JavaScript strings count UTF-16 units.
function utf16Index(text, codePoints) {
  let index = 0;
  for (let n = 0; n < codePoints && index < text.length; n++) {
    const code = text.charCodeAt(index);
    index += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return index;
}

function sourcePath(path) {
  const prefix = state.corpusPrefix ? state.corpusPrefix.replace(/\/$/, "") + "/" : "";
  return prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

async function openSource(card) {
  const passage = JSON.parse(card.dataset.passage);
  const query = new URLSearchParams({ path: sourcePath(passage.path) });
  if (passage.page !== null && passage.page !== undefined) query.set("page", passage.page);
  showError(null);
  try {
    const text = await api(`/api/source?${query}`);
    showSource(passage, text, card);
  } catch (error) {
    showError(error.message);
  }
}

function showSource(passage, text, card) {
  const start = utf16Index(text, passage.char_start);
  const end = start + passage.text.length;
  const pre = $("source-text");
  pre.replaceChildren();
  pre.append(text.slice(0, start));
  const span = element("span", "passage");
  const inner = text.slice(start, end);
  const at = passage.highlight ? inner.indexOf(passage.highlight) : -1;
  if (at >= 0) {
    span.append(inner.slice(0, at), element("mark", "answer", passage.highlight), inner.slice(at + passage.highlight.length));
  } else {
    span.append(inner);
  }
  pre.append(span, text.slice(end));
  $("source-title").textContent = citation(passage);
  const aside = $("source");
  aside.hidden = false;
  aside.returnFocus = card;
  aside.focus({ preventScroll: true });
  // Scroll the source panel, not the page: the question and the cards stay where they were.
  pre.scrollTop = Math.max(0, span.offsetTop - pre.offsetTop - pre.clientHeight / 3);
}

function closeSource() {
  const aside = $("source");
  if (aside.hidden) return;
  aside.hidden = true;
  if (aside.returnFocus && document.contains(aside.returnFocus)) aside.returnFocus.focus();
}

function showError(message) {
  const box = $("error");
  box.hidden = !message;
  box.textContent = message || "";
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
