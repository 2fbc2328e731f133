// The mix page: a layout (an uploaded image or a layout prompt) and a content prompt in, MagicMix's knobs, a preview every
// few steps, then the mixed image. The upload travels as base64 in the image job's mix parameter.
import { artifactUrl, fillModels, numbersFrom, previewUrl, progressUi, runJob } from "/js/api.js";

const form = document.getElementById("form");
const generate = document.getElementById("generate");
const cancel = document.getElementById("cancel");
const layout = document.getElementById("layout");
const layoutCaption = document.getElementById("layout-caption");
const preview = document.getElementById("preview");
const previewCaption = document.getElementById("preview-caption");
const result = document.getElementById("result");
const resultCaption = document.getElementById("result-caption");
const ui = progressUi(document.getElementById("progress"), document.getElementById("status"));

// Only models that mix (their limits say mix, or magicmix itself before it is trained).
const models = (await fillModels(form.elements.model, "image")).filter((m) => m.limits?.mix || m.id === "magicmix");
for (const option of [...form.elements.model.options]) if (!models.some((m) => m.id === option.value)) option.remove();
if (form.elements.model.selectedOptions[0]?.disabled ?? true) {
  ui.status("No mixing model can run yet: magicmix has not been trained. The list shows its state.", "failed");
  generate.disabled = true;
}

const base64 = (buffer) => {
  let text = "";
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};

form.elements.layout_image.addEventListener("change", () => {
  const file = form.elements.layout_image.files[0];
  URL.revokeObjectURL(layout.src);
  layout.hidden = layoutCaption.hidden = !file;
  if (file) layout.src = URL.createObjectURL(file);
});

let running = null;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = form.elements.layout_image.files[0];
  const layoutPrompt = form.elements.layout_prompt.value.trim();
  if (!file && !layoutPrompt) {
    ui.status("Choose a layout image or write a layout prompt.", "failed");
    return;
  }
  const mix = { ...numbersFrom(form, ["nu", "k_min", "k_max"], false) };
  if (file) mix.image = base64(await file.arrayBuffer());
  else mix.layout_prompt = layoutPrompt;
  const parameters = { prompt: form.elements.prompt.value.trim(), mix, ...numbersFrom(form, ["seed", "steps", "preview_every"]) };
  for (const img of [preview, result]) img.hidden = true;
  previewCaption.hidden = resultCaption.hidden = true;
  document.body.dataset.previews = "0";
  generate.disabled = true;
  try {
    running = await runJob({ kind: "image", model: form.elements.model.value, parameters }, ui, {
      preview: (e) => {
        URL.revokeObjectURL(preview.src);
        preview.src = previewUrl(e.payload);
        preview.hidden = previewCaption.hidden = false;
        previewCaption.textContent = `Preview after step ${e.step} of ${e.total_steps}`;
        document.body.dataset.previews = String(Number(document.body.dataset.previews) + 1);
      },
      completed: (e) => {
        result.src = artifactUrl(e.artifacts[0]);
        result.dataset.artifact = e.artifacts[0];
        result.hidden = resultCaption.hidden = false;
        resultCaption.innerHTML = `<a href="${result.src}" download="mix.png">Download PNG</a>`;
      },
    });
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
