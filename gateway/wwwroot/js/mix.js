// The mix page: a layout (an uploaded image or a layout prompt) and a content prompt in, MagicMix's knobs, a preview every
// few steps, then the mixed image. The upload travels as base64 in the image job's mix parameter.
import { base64, fillModels, imageOutput, numbersFrom, progressUi, submitJobs } from "/js/api.js";

const form = document.getElementById("form");
const generate = document.getElementById("generate");
const cancel = document.getElementById("cancel");
const layout = document.getElementById("layout");
const layoutCaption = document.getElementById("layout-caption");
const output = imageOutput();
const ui = progressUi(document.getElementById("progress"), document.getElementById("status"));

// Only models that mix (their limits say mix, or magicmix itself before it is trained).
const models = (await fillModels(form.elements.model, "image")).filter((m) => m.limits?.mix || m.id === "magicmix");
for (const option of [...form.elements.model.options]) if (!models.some((m) => m.id === option.value)) option.remove();
if (form.elements.model.selectedOptions[0]?.disabled ?? true) {
  ui.status("No mixing model can run yet: magicmix has not been trained. The list shows its state.", "failed");
  generate.disabled = true;
}

form.elements.layout_image.addEventListener("change", () => {
  const file = form.elements.layout_image.files[0];
  URL.revokeObjectURL(layout.src);
  layout.hidden = layoutCaption.hidden = !file;
  if (file) layout.src = URL.createObjectURL(file);
});

submitJobs(form, { generate, cancel, ui }, async () => {
  const file = form.elements.layout_image.files[0];
  const layoutPrompt = form.elements.layout_prompt.value.trim();
  if (!file && !layoutPrompt) {
    ui.status("Choose a layout image or write a layout prompt.", "failed");
    return null;
  }
  const mix = { ...numbersFrom(form, ["nu", "k_min", "k_max"], false) };
  if (file) mix.image = base64(await file.arrayBuffer());
  else mix.layout_prompt = layoutPrompt;
  const parameters = { prompt: form.elements.prompt.value.trim(), mix, ...numbersFrom(form, ["seed", "steps", "preview_every"]) };
  output.reset();
  return {
    request: { kind: "image", model: form.elements.model.value, parameters },
    on: {
      preview: output.preview,
      completed: (e) => output.completed(e, (src) => `<a href="${src}" download="mix.png">Download PNG</a>`),
    },
  };
});
