// The edit page: a recording, its transcript and the new text in; the edited recording playing from its first chunk, then
// the WAV and where the new words landed (the job's edit.json). The upload travels as base64 in the job's audio parameter.
import { api, artifactUrl, base64, fillModels, numbersFrom, progressUi, submitJobs } from "/js/api.js";
import { PcmPlayer } from "/js/pcm-player.js";

const form = document.getElementById("form");
const generate = document.getElementById("generate");
const cancel = document.getElementById("cancel");
const original = document.getElementById("original");
const result = document.getElementById("result");
const audio = document.getElementById("audio");
const download = document.getElementById("download");
const summary = document.getElementById("summary");
const player = new PcmPlayer(document.getElementById("player"));
const ui = progressUi(document.getElementById("progress"), document.getElementById("status"));

await fillModels(form.elements.model, "speech-edit");
if (form.elements.model.selectedOptions[0]?.disabled ?? true) {
  ui.status("No speech model can edit yet: none has been trained. The list shows each model's state.", "failed");
  generate.disabled = true;
}

form.elements.audio.addEventListener("change", () => {
  const file = form.elements.audio.files[0];
  URL.revokeObjectURL(original.src);
  original.hidden = !file;
  if (file) original.src = URL.createObjectURL(file);
});

const seconds = (s) => `${s.toFixed(2)} s`;

submitJobs(form, { generate, cancel, ui }, async () => {
  player.start(); // inside the click: the browser allows sound from here on
  const file = form.elements.audio.files[0];
  const parameters = {
    audio: base64(await file.arrayBuffer()),
    transcript: form.elements.transcript.value.trim(),
    text: form.elements.text.value.trim(),
    ...numbersFrom(form, ["seed", "steps"]),
  };
  if (form.elements.method.value) parameters.method = form.elements.method.value;
  result.hidden = true;
  return {
    request: { kind: "speech-edit", model: form.elements.model.value, parameters },
    on: {
      audio: (e) => player.push(e.payload, e.sample_rate, e.channels),
      completed: async (e) => {
        audio.src = download.href = artifactUrl(e.artifacts[0]);
        const edit = await api(artifactUrl(e.artifacts[1]));
        const replaced = edit.replaced ? `"${edit.replaced}"` : "nothing";
        summary.textContent = `${replaced} → "${edit.with}" at ${seconds(edit.span_start_s)}–${seconds(edit.span_end_s)} (${edit.method}).`;
        result.hidden = false;
      },
    },
  };
});
