// Job history: newest first, with each job's artifacts (images, audio, files) and cancel buttons for
// jobs still waiting or running. Refreshes by itself while any listed job is unfinished.
import { api } from "/js/api.js";

const body = document.getElementById("jobs");
const status = document.getElementById("status");
const kind = document.getElementById("kind");
const more = document.getElementById("more");
const ACTIVE = ["queued", "running"];
let timer = null;

async function load(after = null) {
  const query = new URLSearchParams({ limit: "20" });
  if (kind.value) query.set("kind", kind.value);
  if (after) query.set("after", after);
  try {
    const page = await api(`/api/jobs?${query}`);
    const rows = page.data.map(row);
    if (after) body.append(...rows);
    else body.replaceChildren(...rows);
    more.hidden = !page.has_more;
    more.dataset.after = page.last_id ?? "";
    status.textContent = body.children.length ? "" : "No jobs yet: make something on the Image or Speech page.";
    clearTimeout(timer);
    if (page.data.some((j) => ACTIVE.includes(j.status))) timer = setTimeout(() => load(), 1000);
  } catch (error) {
    status.textContent = error.message;
  }
}

function row(job) {
  const tr = document.createElement("tr");
  tr.dataset.job = job.id;
  tr.dataset.status = job.status;
  const p = job.parameters;
  const request = p.prompt ?? p.text ?? p.lyrics ?? "";
  const cells = [
    `<code>${job.id.slice(0, 12)}…</code><br><small>${new Date(job.created_at).toLocaleString()}</small>`,
    `<strong>${job.kind}</strong> · ${job.model}<br>${escape(request)}${p.seed !== undefined ? ` <small>(seed ${p.seed})</small>` : ""}`,
    job.status + (job.failure_reason ? `<br><small class="error">${escape(job.failure_reason)}</small>` : "")
      + (job.queue_position !== null && job.queue_position !== undefined ? `<br><small>${job.queue_position} ahead</small>` : ""),
    job.artifacts.map((a) => artifact(job.kind, a)).join(" "),
    ACTIVE.includes(job.status) ? `<button type="button" class="secondary" data-cancel="${job.id}">Cancel</button>` : "",
  ];
  tr.innerHTML = cells.map((c) => `<td>${c}</td>`).join("");
  tr.querySelector("[data-cancel]")?.addEventListener("click", async (event) => {
    event.target.disabled = true;
    try {
      await api(`/api/jobs/${job.id}`, { method: "DELETE" });
    } catch (error) {
      status.textContent = error.message;
    }
    load();
  });
  return tr;
}

function artifact(kind, a) {
  if (kind === "image") return `<a href="${a.url}"><img src="${a.url}" alt="Image from job" loading="lazy"></a>`;
  if (kind === "speech" || kind === "song") return `<audio controls preload="none" src="${a.url}"></audio>`;
  return `<a href="${a.url}" download>${a.id.slice(0, 8)}</a>`;
}

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

document.getElementById("refresh").addEventListener("click", () => load());
kind.addEventListener("change", () => load());
more.addEventListener("click", () => load(more.dataset.after));
load();
