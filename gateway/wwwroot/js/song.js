// The song page. Until a song model is trained it says so (from /api/models) and offers no form.
import { artifactUrl, isReady, modelsFor, numbersFrom, progressUi, submitJobs } from "/js/api.js";
import { PcmPlayer } from "/js/pcm-player.js";

const form = document.getElementById("form");
const unavailable = document.getElementById("unavailable");
const models = await modelsFor("song");
const ready = models.filter(isReady);

if (ready.length === 0) {
  const states = models.map((m) => `${m.id}: ${m.state === "missing" ? "not trained yet" : m.state}${m.reason ? ` (${m.reason})` : ""}`);
  unavailable.innerHTML = "<strong>Song generation is not available yet.</strong> It needs a trained song model, and none is installed.";
  if (states.length) {
    const list = document.createElement("ul");
    list.replaceChildren(...states.map((s) => Object.assign(document.createElement("li"), { textContent: s })));
    unavailable.append(list);
  }
  unavailable.hidden = false;
  document.body.dataset.available = "false";
} else {
  document.body.dataset.available = "true";
  form.elements.model.replaceChildren(...ready.map((m) => new Option(m.id, m.id)));
  form.hidden = false;
  const generate = document.getElementById("generate");
  const cancel = document.getElementById("cancel");
  const player = new PcmPlayer(document.getElementById("player"));
  const ui = progressUi(document.getElementById("progress"), document.getElementById("status"));
  submitJobs(form, { generate, cancel, ui }, () => {
    player.start();
    document.getElementById("running").hidden = false;
    document.getElementById("result").hidden = true;
    const parameters = { lyrics: form.elements.lyrics.value.trim(), ...numbersFrom(form, ["seed"]), ...numbersFrom(form, ["duration_seconds"], false) };
    const description = form.elements.description.value.trim();
    if (description) parameters.description = description;
    return {
      request: { kind: "song", model: form.elements.model.value, parameters },
      on: {
        audio: (e) => player.push(e.payload, e.sample_rate, e.channels),
        completed: (e) => {
          document.getElementById("audio").src = artifactUrl(e.artifacts[0]);
          document.getElementById("result").hidden = false;
        },
      },
    };
  });
}
