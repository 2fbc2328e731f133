// The batch page: upload a JSONL file (or pasted lines), watch its counts, download the output.
import { api } from "/js/api.js";

const form = document.getElementById("form");
const status = document.getElementById("status");
const cancel = document.getElementById("cancel");
const section = document.getElementById("batch");
const progress = document.getElementById("progress");
const $ = (id) => document.getElementById(id);
const FINISHED = ["completed", "failed", "cancelled", "expired"];
let current = null;
let timer = null;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = form.elements.file.files[0];
  const lines = form.elements.lines.value.trim();
  if (!file && !lines) {
    status.textContent = "Choose a JSONL file or paste its lines.";
    status.className = "status failed";
    return;
  }
  const body = new FormData();
  body.append("file", file ?? new File([lines + "\n"], "requests.jsonl", { type: "application/jsonl" }));
  try {
    status.textContent = "Uploading…";
    status.className = "status";
    const batch = await api("/api/batches", { method: "POST", body });
    status.textContent = `Batch ${batch.id} accepted.`;
    watch(batch);
  } catch (error) {
    status.textContent = error.message;
    status.className = "status failed";
  }
});

cancel.addEventListener("click", async () => {
  if (current) show(await api(`/api/batches/${current}/cancel`, { method: "POST" }));
});

function watch(batch) {
  current = batch.id;
  clearTimeout(timer);
  show(batch);
  const poll = async () => {
    const latest = await api(`/api/batches/${current}`);
    show(latest);
    if (!FINISHED.includes(latest.status)) timer = setTimeout(poll, 500);
    else listBatches();
  };
  timer = setTimeout(poll, 300);
}

function show(batch) {
  section.hidden = false;
  $("batch-id").textContent = batch.id;
  $("batch-status").textContent = batch.status;
  const counts = batch.request_counts;
  $("count-total").textContent = counts.total;
  $("count-completed").textContent = counts.completed;
  $("count-failed").textContent = counts.failed;
  progress.max = Math.max(counts.total, 1);
  progress.value = counts.completed + counts.failed;
  section.dataset.status = batch.status;
  link($("output"), batch.output_file_url, `${batch.id}-output.jsonl`);
  link($("errors"), batch.error_file_url, `${batch.id}-errors.jsonl`);
  cancel.disabled = FINISHED.includes(batch.status) || batch.status === "cancelling";
  if (batch.errors?.data?.length) {
    status.textContent = batch.errors.data.map((e) => `line ${e.line}: ${e.message}`).join("; ");
    status.className = "status failed";
  }
}

function link(a, url, name) {
  a.hidden = !url;
  if (url) {
    a.href = url;
    a.download = name;
  }
}

async function listBatches() {
  const { data } = await api("/api/batches?limit=10");
  $("batches").replaceChildren(...data.map((b) => {
    const row = document.createElement("tr");
    const files = [b.output_file_url && `<a href="${b.output_file_url}" download>output</a>`, b.error_file_url && `<a href="${b.error_file_url}" download>errors</a>`];
    row.innerHTML = `<td><button type="button" class="secondary">${b.id}</button></td><td>${b.status}</td>`
      + `<td>${b.request_counts.completed + b.request_counts.failed} / ${b.request_counts.total}</td><td>${files.filter(Boolean).join(" ")}</td>`;
    row.querySelector("button").addEventListener("click", () => watch(b));
    return row;
  }));
}

listBatches();
