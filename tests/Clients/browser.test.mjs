// The web app in Debian's headless Chromium, driven by playwright-core: type a prompt, see progress and
// a preview before the image, play speech from its first chunk, cancel a job, run a batch, and the same
// prompt and seed give the same image through the web app, the REST API and the OpenAI route.
// Screenshots of every page go to tests/Clients/artifacts/ (and to docs/images/ with MEDIA_UPDATE_SCREENSHOTS=1).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, copyFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import OpenAI from "openai";
import { startHost } from "./support/host.mjs";
import { text, withoutText } from "./support/png.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const artifacts = join(here, "artifacts");
const docsImages = join(here, "..", "..", "docs", "images");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// Flags for a closed network: no background calls home, no QUIC, no first-run, no GPU.
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"];

let host;
let profile;
let context;
let page;
/** Content Security Policy violations the browser reported on any page, over every test. */
const cspViolations = [];

before(async () => {
  await mkdir(artifacts, { recursive: true });
  host = await startHost();
  profile = await mkdtemp(join(tmpdir(), "media-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1100, height: 900 }, baseURL: host.baseUrl,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
  });
});

after(async () => {
  await context?.close();
  await host?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function screenshot(name) {
  const file = join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.MEDIA_UPDATE_SCREENSHOTS === "1") {
    await mkdir(docsImages, { recursive: true });
    await copyFile(file, join(docsImages, `${name}.png`));
  }
}

async function json(path, init) {
  const response = await fetch(`${host.baseUrl}${path}`, init);
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** Waits until the page's PCM player plays while the result is still hidden, then for the result. */
async function playsBeforeTheResult() {
  await page.waitForFunction(() => {
    const player = document.getElementById("player");
    return player.dataset.state === "playing" && Number(player.dataset.chunks) >= 1 && document.getElementById("result").hidden;
  }, null, { timeout: 15_000 });
  await page.locator("#result").waitFor({ state: "visible", timeout: 15_000 });
}

/** The duration in seconds of the result's audio element, once its metadata loads. */
async function resultDuration() {
  return page.locator("#audio").evaluate((audio) => new Promise((resolve, reject) => {
    if (audio.readyState >= 1) resolve(audio.duration);
    audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
    audio.addEventListener("error", () => reject(new Error("the WAV does not load")));
  }));
}

async function waitJob(id) {
  for (let i = 0; i < 500; i++) {
    const job = await json(`/api/jobs/${id}`);
    if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

test("image: progress and a preview arrive before the final image", async () => {
  await page.goto("/");
  await page.getByLabel("Prompt").fill("a red circle above a blue square");
  await page.locator("select[name=model]").selectOption("test-slow"); // 150 ms a step: slow enough to watch
  await page.getByLabel("Steps").fill("8");
  await page.getByLabel(/^Seed/).fill("42");
  await page.getByRole("button", { name: "Generate" }).click();

  // Seen while the job runs: the bar has moved and a preview shows, the final image not yet.
  await page.waitForFunction(() => Number(document.getElementById("progress").dataset.step) > 0
    && !document.getElementById("preview").hidden && document.getElementById("result").hidden, null, { timeout: 15_000 });
  await page.locator("#result").waitFor({ state: "visible", timeout: 15_000 });
  assert.equal(await page.locator("#status").textContent(), "Done");
  assert.equal(await page.evaluate(() => document.body.dataset.previews), "1");
  assert.ok(await page.locator("#result").evaluate((img) => img.complete && img.naturalWidth > 0), "the image loads");
  await screenshot("image");
  // The format list offers PNG, JPEG and WebP; the download link follows it, with the right extension and type.
  await page.locator("select[name=format]").selectOption("jpeg");
  await page.getByRole("button", { name: "Generate" }).click();
  const link = page.locator("#result-caption a");
  await page.waitForFunction(() => document.querySelector("#result-caption a")?.getAttribute("download") === "image.jpg", null, { timeout: 15_000 });
  assert.equal(await link.textContent(), "Download JPEG");
  const type = await page.evaluate(async (href) => (await fetch(href)).headers.get("content-type"), await link.getAttribute("href"));
  assert.equal(type, "image/jpeg");
  await page.locator("select[name=format]").selectOption("png");
});

test("the same prompt and seed give the same image through the web app, the REST API and the OpenAI route", async () => {
  const prompt = "a green triangle left of a yellow star";
  await page.goto("/");
  await page.getByLabel("Prompt").fill(prompt);
  await page.locator("select[name=model]").selectOption("test-image");
  await page.getByLabel(/^Seed/).fill("1234");
  await page.getByRole("button", { name: "Generate" }).click();
  await page.locator("#result").waitFor({ state: "visible", timeout: 15_000 });
  const webApp = Buffer.from(await (await fetch(`${host.baseUrl}${await page.locator("#result").getAttribute("src")}`)).arrayBuffer());

  const submitted = await json("/api/jobs", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ kind: "image", model: "test-image", parameters: { prompt, seed: 1234 } }),
  });
  const job = await waitJob(submitted.id);
  const rest = Buffer.from(await (await fetch(`${host.baseUrl}${job.artifacts[0].url}`)).arrayBuffer());

  const openai = new OpenAI({ baseURL: `${host.baseUrl}/v1`, apiKey: host.apiKey, maxRetries: 0 });
  const viaOpenAi = Buffer.from((await openai.images.generate({ model: "test-image", prompt, seed: 1234 })).data[0].b64_json, "base64");

  // The pixels and format byte for byte; the text chunks differ only in the job id they name.
  assert.deepEqual(withoutText(rest), withoutText(webApp));
  assert.deepEqual(withoutText(viaOpenAi), withoutText(webApp));
  for (const png of [webApp, rest, viaOpenAi]) {
    const t = text(png);
    assert.equal(t.seed, "1234");
    assert.equal(t.model, "test-image");
    assert.deepEqual(JSON.parse(t.parameters), { prompt, seed: 1234 });
  }
});

test("image: the diffusion head's step schedule (DiSA) is sent as diffusion_steps", async () => {
  await page.goto("/");
  await page.getByLabel("Prompt").fill("a blue square");
  await page.locator("select[name=model]").selectOption("test-image");
  await page.getByLabel(/^Seed/).fill("7");
  await page.locator("#diffusion summary").click();
  await page.locator("select[name=diffusion_schedule]").selectOption("linear");
  await page.getByLabel(/^Max/).fill("40");
  await page.getByLabel(/^Min/).fill("4");
  await page.getByRole("button", { name: "Generate" }).click();
  await page.locator("#result").waitFor({ state: "visible", timeout: 15_000 });
  const png = Buffer.from(await (await fetch(`${host.baseUrl}${await page.locator("#result").getAttribute("src")}`)).arrayBuffer());
  assert.deepEqual(JSON.parse(text(png).parameters), { prompt: "a blue square", seed: 7, diffusion_steps: { schedule: "linear", max: 40, min: 4 } });
  // "model default" sends no schedule at all.
  const first = await page.locator("#result").getAttribute("src");
  await page.locator("select[name=diffusion_schedule]").selectOption("");
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForFunction((old) => {
    const result = document.getElementById("result");
    return !result.hidden && result.getAttribute("src") !== old;
  }, first, { timeout: 15_000 });
  const plain = Buffer.from(await (await fetch(`${host.baseUrl}${await page.locator("#result").getAttribute("src")}`)).arrayBuffer());
  assert.deepEqual(JSON.parse(text(plain).parameters), { prompt: "a blue square", seed: 7 });
});

test("mix: without a layout the page says so; with a layout prompt the job carries mix, then the PNG is offered", async () => {
  await page.goto("/mix.html");
  await page.getByLabel("Content prompt").fill("a blue star");
  await page.locator("select[name=model]").selectOption("test-image");
  await page.getByLabel("Steps").fill("6");
  await page.getByLabel(/^Seed/).fill("5");
  await page.getByRole("button", { name: "Mix" }).click();
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Choose a layout"), null, { timeout: 5_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.job ?? null), null, "no job is sent without a layout");
  assert.equal(await page.getByRole("button", { name: "Mix" }).isEnabled(), true);

  await page.getByLabel(/^or a layout prompt/).fill("a red square on the left");
  await page.getByRole("button", { name: "Mix" }).click();
  await page.locator("#result").waitFor({ state: "visible", timeout: 15_000 });
  assert.equal(await page.locator("#status").textContent(), "Done");
  assert.equal(await page.locator("#result-caption a").getAttribute("download"), "mix.png");
  assert.ok(await page.evaluate(() => document.body.dataset.job), "the job id is on the page");
  const png = Buffer.from(await (await fetch(`${host.baseUrl}${await page.locator("#result").getAttribute("src")}`)).arrayBuffer());
  assert.deepEqual(JSON.parse(text(png).parameters), {
    prompt: "a blue star", mix: { nu: 0.5, k_min: 0.3, k_max: 0.6, layout_prompt: "a red square on the left" }, seed: 5, steps: 6, preview_every: 5,
  });
  assert.equal(await page.getByRole("button", { name: "Mix" }).isEnabled(), true);
  assert.equal(await page.getByRole("button", { name: "Cancel" }).isEnabled(), false);
});

test("mix: an uploaded layout image is shown, travels as the job's mix.image, and the PNG is offered", async () => {
  const upload = await readFile(join(here, "..", "..", "docs", "images", "image.png"));
  await page.goto("/mix.html");
  await page.getByLabel("Content prompt").fill("a green circle");
  await page.locator("select[name=model]").selectOption("test-image");
  await page.getByLabel("Steps").fill("6");
  await page.getByLabel(/^Seed/).fill("9");
  await page.getByLabel(/^Layout image/).setInputFiles({ name: "layout.png", mimeType: "image/png", buffer: upload });
  await page.locator("#layout").waitFor({ state: "visible", timeout: 5_000 });
  assert.match(await page.locator("#layout").getAttribute("src"), /^blob:/);
  await page.getByRole("button", { name: "Mix" }).click();
  await page.locator("#result").waitFor({ state: "visible", timeout: 15_000 });
  assert.equal(await page.locator("#status").textContent(), "Done");
  const png = Buffer.from(await (await fetch(`${host.baseUrl}${await page.locator("#result").getAttribute("src")}`)).arrayBuffer());
  const parameters = JSON.parse(text(png).parameters);
  assert.equal(parameters.prompt, "a green circle");
  assert.equal(parameters.mix.layout_prompt, undefined);
  assert.equal(parameters.mix.image, upload.toString("base64"), "the upload reached the job byte for byte");
});

test("speech: audio starts playing from the first chunk, then the WAV is offered", async () => {
  await page.goto("/speech.html");
  await page.getByLabel("Text").fill("Hello there. This is the speech page.");
  await page.locator("select[name=model]").selectOption("test-speech");
  await page.getByLabel("Steps").fill("40"); // 40 chunks of 10 ms, one every 15 ms
  await page.getByRole("button", { name: "Speak" }).click();

  await playsBeforeTheResult();
  const player = await page.locator("#player").evaluate((p) => ({ ...p.dataset }));
  assert.equal(player.chunks, "40");
  assert.equal(player.context, "running", "the AudioContext plays");
  const duration = await resultDuration();
  assert.ok(Math.abs(duration - 0.4) < 0.01, `40 chunks of 80 samples at 8 kHz last 0.4 s: ${duration}`);
  // The download is in the chosen format (MP3 by default, as OpenAI's), with that extension.
  assert.equal(await page.locator("select[name=format]").inputValue(), "mp3");
  const download = page.locator("#download");
  assert.equal(await download.getAttribute("download"), "speech.mp3");
  assert.equal(await download.textContent(), "Download MP3");
  const type = await page.evaluate(async (href) => (await fetch(href)).headers.get("content-type"), await download.getAttribute("href"));
  assert.equal(type, "audio/mpeg");
  await screenshot("speech");
});

/** A WAV file of 16-bit PCM mono: `samples` of a 220 Hz tone at 8 kHz. */
function toneWav(samples) {
  const wav = Buffer.alloc(44 + 2 * samples);
  wav.write("RIFF", 0); wav.writeUInt32LE(36 + 2 * samples, 4); wav.write("WAVE", 8);
  wav.write("fmt ", 12); wav.writeUInt32LE(16, 16); wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(8000, 24); wav.writeUInt32LE(16000, 28); wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34);
  wav.write("data", 36); wav.writeUInt32LE(2 * samples, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 8000)), 44 + 2 * i);
  return wav;
}

test("edit: an uploaded recording, its transcript and the new text travel as a speech-edit job; the edit plays, then the WAV and where it landed", async () => {
  const upload = toneWav(4000);
  await page.goto("/edit.html");
  await page.getByLabel(/^Recording/).setInputFiles({ name: "take.wav", mimeType: "audio/wav", buffer: upload });
  await page.locator("#original").waitFor({ state: "visible", timeout: 5_000 });
  await page.getByLabel("Transcript").fill("hello there friend");
  await page.getByLabel("New text").fill("hello lovely friend");
  await page.locator("select[name=model]").selectOption("test-speech");
  await page.locator("select[name=method]").selectOption("fill-in-middle");
  await page.getByLabel("Steps").fill("20");
  await page.getByRole("button", { name: "Edit" }).click();

  await playsBeforeTheResult();
  assert.equal(await page.locator("#player").evaluate((p) => p.dataset.chunks), "20");
  const summary = await page.locator("#summary").textContent();
  assert.equal(summary, '"hello there friend" → "hello lovely friend" at 0.00 s–0.20 s (fill-in-middle).');
  assert.ok(Math.abs((await resultDuration()) - 0.2) < 0.01, "20 chunks of 80 samples at 8 kHz");
  const job = await waitJob(await page.evaluate(() => document.body.dataset.job));
  assert.equal(job.kind, "speech-edit");
  assert.equal(job.parameters.audio, upload.toString("base64"), "the upload reached the job byte for byte");
  assert.equal(job.parameters.transcript, "hello there friend");
  assert.equal(job.parameters.text, "hello lovely friend");
  assert.equal(job.parameters.method, "fill-in-middle");
  await screenshot("edit");
});

test("speech from the OpenAI route as Ogg Opus decodes in the browser to the input's length", async () => {
  await page.goto("/speech.html");
  const decoded = await page.evaluate(async () => {
    const response = await fetch("/v1/audio/speech", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "test-speech", input: "Hello.", response_format: "opus" }),
    });
    const audio = await new AudioContext().decodeAudioData(await response.arrayBuffer());
    return { duration: audio.duration, channels: audio.numberOfChannels, type: response.headers.get("content-type") };
  });
  assert.equal(decoded.type, "audio/ogg");
  assert.equal(decoded.channels, 1);
  assert.ok(Math.abs(decoded.duration - 0.05) < 0.002, `5 chunks of 80 samples at 8 kHz: 0.05 s, decoded ${decoded.duration}`);
});

test("cancel stops a running job", async () => {
  await page.goto("/");
  await page.getByLabel("Prompt").fill("a slow purple hexagon");
  await page.locator("select[name=model]").selectOption("test-slow");
  await page.getByLabel("Steps").fill("40"); // 6 s if left alone
  await page.getByRole("button", { name: "Generate" }).click();
  await page.locator("#status", { hasText: /^Step \d+ of 40$/ }).waitFor({ timeout: 15_000 });
  const jobId = await page.evaluate(() => document.body.dataset.job);
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator("#status", { hasText: /^Cancelled/ }).waitFor({ timeout: 10_000 });
  assert.equal((await waitJob(jobId)).status, "cancelled");
  assert.ok(await page.locator("#result").isHidden());
});

test("song: the mix starts playing from the first chunk, then the WAV is offered", async () => {
  await page.goto("/song.html");
  await page.getByLabel("Lyrics").fill("[verse]\nwe hide behind a blue spire\n[chorus]\nthe dancers dream of a store");
  await page.getByLabel(/^Description/).fill("soft rock, sad, 100 bpm");
  await page.locator("select[name=model]").selectOption("test-song");
  await page.getByLabel("Duration (s)").fill("3"); // 30 chunks of 100 ms, one every 15 ms
  await page.getByRole("button", { name: "Make the song" }).click();

  await playsBeforeTheResult();
  assert.equal((await page.locator("#player").evaluate((p) => ({ ...p.dataset }))).chunks, "30");
  const duration = await resultDuration();
  assert.ok(Math.abs(duration - 3) < 0.01, `a 3 s song: ${duration}`);
  const job = await waitJob(await page.evaluate(() => document.body.dataset.job));
  assert.equal(job.parameters.lyrics, "[verse]\nwe hide behind a blue spire\n[chorus]\nthe dancers dream of a store");
  assert.equal(job.parameters.description, "soft rock, sad, 100 bpm");
  await screenshot("song");
});

test("batch: upload JSONL, watch the counts, download the output", async () => {
  await page.goto("/batch.html");
  const lines = [
    { custom_id: "fox", request: { kind: "image", model: "test-image", parameters: { prompt: "a fox", seed: 1 } } },
    { custom_id: "owl", request: { kind: "image", model: "test-image", parameters: { prompt: "an owl", seed: 2 } } },
    { custom_id: "untrained", request: { kind: "image", model: "token-shuffle", parameters: { prompt: "a cat" } } },
  ].map((l) => JSON.stringify(l)).join("\n");
  await page.getByLabel("or paste the lines").fill(lines);
  await page.getByRole("button", { name: "Upload and run" }).click();
  await page.locator("#batch[data-status=completed]").waitFor({ timeout: 20_000 });
  assert.equal(await page.locator("#count-total").textContent(), "3");
  assert.equal(await page.locator("#count-completed").textContent(), "2");
  assert.equal(await page.locator("#count-failed").textContent(), "1");
  const output = await (await fetch(`${host.baseUrl}${await page.locator("#output").getAttribute("href")}`)).text();
  assert.deepEqual(output.trim().split("\n").map((l) => JSON.parse(l).custom_id).sort(), ["fox", "owl"]);
  assert.ok(await page.locator("#errors").isVisible(), "the refused line is in the error file");
  await screenshot("batch");
});

test("history: jobs with their artifacts, newest first, and a cancel button for a running job", async () => {
  const slow = await json("/api/jobs", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ kind: "image", model: "test-slow", parameters: { prompt: "a very slow square", steps: 60 } }),
  });
  await page.goto("/history.html");
  const row = page.locator(`tr[data-job="${slow.id}"]`);
  await row.waitFor();
  assert.ok((await page.locator("tbody#jobs img").count()) >= 3, "finished image jobs show their images");
  assert.ok((await page.locator("tbody#jobs audio").count()) >= 1, "speech jobs offer their audio");
  await screenshot("history");
  await row.getByRole("button", { name: "Cancel" }).click();
  await page.locator(`tr[data-job="${slow.id}"][data-status=cancelled]`).waitFor({ timeout: 10_000 });
  assert.equal((await waitJob(slow.id)).status, "cancelled");
});

test("every page runs under the gateway's content security policy without a violation", async () => {
  for (const path of ["/", "/speech.html", "/edit.html", "/song.html", "/batch.html", "/history.html"]) {
    const response = await page.goto(path);
    assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self'/, `${path} carries the policy`);
    await page.waitForLoadState("networkidle");
  }
  // Collected over this file's tests too: previews, audio, the hub's WebSocket and downloads all stayed inside the policy.
  assert.deepEqual(cspViolations, []);
});
