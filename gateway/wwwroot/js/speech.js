// The speech page: text in, audio playing from the first chunk, then the finished file in the chosen format.
import { artifactUrl, convertedUrl, fileName, fillModels, numbersFrom, outputFormats, progressUi, submitJobs } from "/js/api.js";
import { PcmPlayer } from "/js/pcm-player.js";

const form = document.getElementById("form");
const generate = document.getElementById("generate");
const cancel = document.getElementById("cancel");
const result = document.getElementById("result");
const audio = document.getElementById("audio");
const download = document.getElementById("download");
const player = new PcmPlayer(document.getElementById("player"));
const ui = progressUi(document.getElementById("progress"), document.getElementById("status"));

await fillModels(form.elements.model, "speech");
// The formats this server encodes (raw pcm is for API clients: a browser cannot save it as a playable file).
const formats = await outputFormats();
form.elements.format.replaceChildren(...formats.audio.filter((f) => f !== "pcm").map((f) => new Option(f.toUpperCase(), f)));
form.elements.format.value = formats.default_speech;
if (form.elements.model.selectedOptions[0]?.disabled ?? true) {
  ui.status("No speech model can run yet: none has been trained. The list shows each model's state.", "failed");
  generate.disabled = true;
}

submitJobs(form, { generate, cancel, ui }, () => {
  player.start(); // inside the click: the browser allows sound from here on
  const parameters = { text: form.elements.text.value.trim(), ...numbersFrom(form, ["seed", "steps"]), ...numbersFrom(form, ["speed"], false) };
  const voice = form.elements.voice.value.trim();
  if (voice) parameters.voice = voice;
  result.hidden = true;
  return {
    request: { kind: "speech", model: form.elements.model.value, parameters },
    on: {
      audio: (e) => player.push(e.payload, e.sample_rate, e.channels),
      completed: (e) => {
        const format = form.elements.format.value;
        audio.src = artifactUrl(e.artifacts[0]);
        download.href = format === "wav" ? audio.src : convertedUrl(e.artifacts[0], format);
        download.download = fileName("speech", format);
        download.textContent = `Download ${format.toUpperCase()}`;
        result.hidden = false;
      },
    },
  };
});
