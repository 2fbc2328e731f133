// What every page shares: the REST calls, the SignalR hub (official client, MessagePack protocol),
// and the job runner that turns a job's events into the progress bar, status line and callbacks.
import { HubConnectionBuilder, HubConnectionState, LogLevel, MessagePackHubProtocol } from "/lib/signalr.js";

/** Event types in the order of the server's JobEventType (MessagePack sends enums as numbers). */
const EVENT_TYPES = ["queued", "started", "progress", "preview", "audio-chunk", "completed", "failed", "cancelled"];

const KEY_STORAGE = "media.apiKey";

/** The API key typed into the header's field (kept in localStorage), or "" where the gateway needs none (loopback). */
export const apiKey = () => localStorage.getItem(KEY_STORAGE) ?? "";

// The layout's key field: shows the stored key, stores what is typed (the next call and hub connection use it).
const keyField = document.getElementById("api-key");
if (keyField) {
  keyField.value = apiKey();
  keyField.addEventListener("change", () => {
    const key = keyField.value.trim();
    if (key) localStorage.setItem(KEY_STORAGE, key); else localStorage.removeItem(KEY_STORAGE);
    if (connection) { connection.stop(); connection = undefined; } // reconnect with the new key
  });
}

/** `options` with the key as a Bearer token, when one is set. */
export function withKey(options = {}) {
  const key = apiKey();
  return key ? { ...options, headers: { ...(options.headers ?? {}), Authorization: `Bearer ${key}` } } : options;
}

/** GET or POST JSON; throws an Error with the server's explanation on a refusal. */
export async function api(path, options = {}) {
  const response = await fetch(path, withKey(options));
  const text = await response.text();
  const body = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  if (!response.ok) throw new Error(describeProblem(body, response.status));
  return body;
}

function describeProblem(body, status) {
  if (body && typeof body === "object") {
    const fields = body.errors ? Object.entries(body.errors).map(([k, v]) => `${k} ${v.join(", ")}`).join("; ") : "";
    return [body.title, body.detail, fields].filter(Boolean).join(": ") || `HTTP ${status}`;
  }
  return body || `HTTP ${status}`;
}

/** Models that serve a kind, each with its state ("missing" until trained). */
export async function modelsFor(kind) {
  const { data } = await api("/api/models");
  return data.filter((m) => m.kinds.includes(kind));
}

/** The output formats this server can write (/api/models): audio (with the default speech format) and image. */
export async function outputFormats() {
  const { output_formats: formats } = await api("/api/models");
  return formats;
}

/** A download link's file name for an artifact converted to `format` (jpeg is saved as .jpg). */
export const fileName = (stem, format) => `${stem}.${format === "jpeg" ? "jpg" : format}`;

/** The artifact converted to `format` (a WAV to mp3, aac, ...; a PNG to jpeg or webp) by /api/artifacts/{id}?format=. */
export const convertedUrl = (id, format) => `${artifactUrl(id)}?format=${encodeURIComponent(format)}`;

/** A model can run when its checkpoint is there and it has not failed to load. */
export const isReady = (model) => model.state === "available" || model.state === "loaded";

/** Fills a <select> with the kind's models; models that cannot run are listed, disabled, with why. */
export async function fillModels(select, kind) {
  const models = await modelsFor(kind);
  select.replaceChildren(...models.map((m) => {
    const option = new Option(isReady(m) ? m.id : `${m.id} (${m.state === "missing" ? "not trained yet" : m.state})`, m.id);
    option.disabled = !isReady(m);
    option.title = m.reason ?? m.description;
    return option;
  }));
  const ready = models.find(isReady);
  if (ready) select.value = ready.id;
  return models;
}

let connection;

/** The page's one hub connection (started on first use, reconnecting by itself). */
export async function hub() {
  if (!connection) {
    connection = new HubConnectionBuilder()
      // Browsers cannot set headers on a WebSocket: the key goes as access_token, which the gateway reads on the hub.
      .withUrl("/hubs/media", { accessTokenFactory: () => apiKey() })
      .withHubProtocol(new MessagePackHubProtocol())
      .withAutomaticReconnect()
      .withStatefulReconnect()
      .configureLogging(LogLevel.Warning)
      .build();
  }
  if (connection.state === HubConnectionState.Disconnected) await connection.start();
  return connection;
}

/** A hub object's field, whichever casing the protocol delivered. */
const field = (o, name) => o[name] ?? o[name[0].toLowerCase() + name.slice(1)];

/** A job event from the hub in the REST API's shape (snake_case, kebab-case type). */
export function normalizeEvent(e) {
  const type = field(e, "Type");
  return {
    job_id: field(e, "JobId"),
    sequence: Number(field(e, "Sequence")),
    type: typeof type === "number" ? EVENT_TYPES[type] : String(type).replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase(),
    step: field(e, "Step"),
    total_steps: field(e, "TotalSteps"),
    message: field(e, "Message"),
    artifacts: field(e, "Artifacts"),
    content_type: field(e, "ContentType"),
    sample_rate: field(e, "SampleRate"),
    channels: field(e, "Channels"),
    payload: field(e, "Payload"),
  };
}

/**
 * Runs one job through the hub: submits it, follows its events (resuming after the last one seen if
 * the connection drops) and drives the page's progress bar and status line. `on` receives preview,
 * audio and completion callbacks. Returns { jobId, cancel, done } where done resolves with the last event.
 */
export async function runJob({ kind, model, parameters }, ui, on = {}) {
  const conn = await hub();
  ui.status("Submitting…");
  const job = await conn.invoke("Submit", { Kind: kind, Model: model, Parameters: parameters, Priority: null, IdempotencyKey: null });
  const jobId = field(job, "Id");
  const position = field(job, "QueuePosition");
  ui.status(position > 0 ? `Queued: ${position} job(s) ahead` : "Queued");
  ui.progress(0, 1);
  let last = 0;
  const done = new Promise((resolve, reject) => {
    const follow = () => conn.stream("Stream", jobId, last).subscribe({
      next: (raw) => {
        const e = normalizeEvent(raw);
        last = e.sequence;
        switch (e.type) {
          case "started": ui.status("Running"); break;
          case "progress":
            ui.progress(e.step, e.total_steps);
            ui.status(`Step ${e.step} of ${e.total_steps}`);
            break;
          case "preview": on.preview?.(e); break;
          case "audio-chunk": on.audio?.(e); break;
          case "completed":
            ui.progress(1, 1);
            ui.status("Done", "succeeded");
            on.completed?.(e);
            resolve(e);
            break;
          case "failed": ui.status(`Failed: ${e.message}`, "failed"); resolve(e); break;
          case "cancelled": ui.status(`Cancelled: ${e.message}`, "failed"); resolve(e); break;
        }
      },
      complete: () => {},
      // The connection dropped mid-stream: pick up after the last event once it is back.
      error: (err) => (conn.state === HubConnectionState.Disconnected ? reject(err) : setTimeout(follow, 500)),
    });
    follow();
  });
  return { jobId, cancel: () => conn.invoke("Cancel", jobId), done };
}


/**
 * A page's job form: on submit, `start()` (called inside the click, so audio may start there) prepares the page and returns
 * the job request and its event callbacks (or a promise of them, or nothing when the form is not ready to send, having said
 * why); the job then runs with generate disabled and cancel enabled, its id in `document.body.dataset.job`, and a refusal or
 * failure shown in the status line.
 */
export function submitJobs(form, { generate, cancel, ui }, start) {
  let running = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const prepared = await start();
    if (!prepared) return;
    const { request, on } = prepared;
    generate.disabled = true;
    try {
      running = await runJob(request, ui, on);
      document.body.dataset.job = running.jobId;
      cancel.disabled = false;
      await running.done;
    } catch (error) {
      ui.status(error.message, "failed");
    } finally {
      running = null;
      cancel.disabled = true;
      generate.disabled = false;
    }
  });
  cancel.addEventListener("click", () => running?.cancel());
}
/**
 * An image page's preview and result (`#preview`, `#preview-caption`, `#result`, `#result-caption`): `reset()` hides both for a
 * new job, `preview(e)` shows each preview as it arrives (counted in `document.body.dataset.previews`), `completed(e, link)`
 * shows the image with the download link `link(src)` returns.
 */
export function imageOutput() {
  const [preview, previewCaption, result, resultCaption] = ["preview", "preview-caption", "result", "result-caption"].map((id) => document.getElementById(id));
  return {
    reset() {
      for (const img of [preview, result]) img.hidden = true;
      previewCaption.hidden = resultCaption.hidden = true;
      document.body.dataset.previews = "0";
    },
    preview(e) {
      URL.revokeObjectURL(preview.src);
      preview.src = previewUrl(e.payload);
      preview.hidden = previewCaption.hidden = false;
      previewCaption.textContent = `Preview after step ${e.step} of ${e.total_steps}`;
      document.body.dataset.previews = String(Number(document.body.dataset.previews) + 1);
    },
    completed(e, link) {
      result.src = artifactUrl(e.artifacts[0]);
      result.dataset.artifact = e.artifacts[0];
      result.hidden = resultCaption.hidden = false;
      resultCaption.innerHTML = link(result.src);
    },
  };
}

/** The progress bar and the status line of a page (an aria-live region, so screen readers hear it). */
export function progressUi(progress, status) {
  return {
    progress(step, total) {
      progress.max = total;
      progress.value = step;
      progress.dataset.step = String(step);
    },
    status(text, state = "") {
      status.textContent = text;
      status.className = `status ${state}`;
    },
  };
}

export const artifactUrl = (id) => `/api/artifacts/${id}`;

/** The bytes of an uploaded file (its arrayBuffer) as base64, as jobs take uploads. */
export const base64 = (buffer) => {
  let text = "";
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};

/** Object URL of a preview's PNG bytes (MessagePack delivers them as a Uint8Array). */
export function previewUrl(payload) {
  const bytes = typeof payload === "string" ? Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)) : payload;
  return URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
}

/** Reads whole numbers and numbers from a form's inputs; empty inputs are left out (the model's defaults apply). */
export function numbersFrom(form, names, whole = true) {
  const out = {};
  for (const name of names) {
    const value = form.elements[name]?.value.trim();
    if (value) out[name] = whole ? Number.parseInt(value, 10) : Number.parseFloat(value);
  }
  return out;
}
