// The image page: prompt in, a live progress bar, each preview as it arrives, then the image.
import { convertedUrl, fileName, fillModels, imageOutput, numbersFrom, progressUi, submitJobs } from "/js/api.js";

const form = document.getElementById("form");
const generate = document.getElementById("generate");
const cancel = document.getElementById("cancel");
const output = imageOutput();
const ui = progressUi(document.getElementById("progress"), document.getElementById("status"));

const models = await fillModels(form.elements.model, "image");
// Only the sizes the chosen model draws (its limits in /api/models); a model that states none offers its default.
const fillSizes = () => {
  const model = models.find((m) => m.id === form.elements.model.value);
  const sizes = model?.limits?.sizes ?? [];
  form.elements.size.replaceChildren(new Option("model default", ""), ...sizes.map((s) => new Option(s, s)));
};
fillSizes();
form.elements.model.addEventListener("change", fillSizes);
if (form.elements.model.selectedOptions[0]?.disabled ?? true) {
  ui.status("No image model can run yet: none has been trained. The list shows each model's state.", "failed");
  generate.disabled = true;
}

submitJobs(form, { generate, cancel, ui }, () => {
  const parameters = { prompt: form.elements.prompt.value.trim(), ...numbersFrom(form, ["seed", "steps"]) };
  const size = form.elements.size.value;
  if (size) [parameters.width, parameters.height] = size.split("x").map(Number);
  // DiSA: the diffusion head's step count from max (first AR iteration) to min (last); sent only when a schedule is chosen.
  const schedule = form.elements.diffusion_schedule.value;
  if (schedule) {
    const steps = numbersFrom(form, ["diffusion_max", "diffusion_min"]);
    parameters.diffusion_steps = { schedule, max: steps.diffusion_max, min: steps.diffusion_min };
  }
  output.reset();
  return {
    request: { kind: "image", model: form.elements.model.value, parameters },
    on: {
      preview: output.preview,
      completed: (e) => output.completed(e, (src) => {
        const format = form.elements.format.value;
        const href = format === "png" ? src : convertedUrl(e.artifacts[0], format);
        return `<a href="${href}" download="${fileName("image", format)}">Download ${format === "webp" ? "WebP" : format.toUpperCase()}</a>`;
      }),
    },
  };
});
