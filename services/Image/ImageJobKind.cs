using Media.Hosting.Jobs;
using Media.Services.Image.Mar;

namespace Media.Services.Image;

/// <summary>
/// The <c>image</c> job kind: text to image. The ranges are what any image model of the family may take; each model
/// narrows them to its own (token-shuffle: its image size and caption length) at submission.
/// </summary>
public static class ImageJobKind
{
    public const string Name = "image";

    public static JobKind Definition { get; } = new(Name, "text to image", [
        new("prompt", FieldType.Text, true, 1, 2000, "what to draw (each model reads at most its own number of caption tokens; see /api/models limits)"),
        new("negative_prompt", FieldType.Text, false, 0, 2000, "what to avoid (classifier-free guidance)"),
        new("width", FieldType.WholeNumber, false, 64, 1024, "pixels, a multiple of 16 (each model draws its own sizes; see /api/models limits)", MultipleOf: 16),
        new("height", FieldType.WholeNumber, false, 64, 1024, "pixels, a multiple of 16 (each model draws its own sizes; see /api/models limits)", MultipleOf: 16),
        new("steps", FieldType.WholeNumber, false, 1, 1000, "sampling steps (diffusion-style models)"),
        new("guidance_scale", FieldType.Number, false, 0, 50, "classifier-free guidance scale"),
        new("temperature", FieldType.Number, false, 0, 10, "sampling temperature (0: greedy)"),
        new("top_k", FieldType.WholeNumber, false, 0, 1_000_000, "keep the k most likely tokens (0: all)"),
        new("top_p", FieldType.Number, false, 0, 1, "nucleus sampling mass"),
        new("preview_every", FieldType.WholeNumber, false, 0, 1000, "send a preview every N steps (0: none)"),
        new("iterations", FieldType.WholeNumber, false, 1, 1024, "autoregressive iterations (MAR-style models)"),
        new("diffusion_steps", FieldType.Group, false, 0, 0, "per-token diffusion head steps over the iterations (DiSA): {schedule, max, min}", Fields:
        [
            new("schedule", FieldType.Choice, false, 0, 0, "how the step count falls from max to min", Choices: DiffusionStepsSchedule.Names),
            new("max", FieldType.WholeNumber, false, 1, 951, "steps at the first iteration"),
            new("min", FieldType.WholeNumber, false, 1, 951, "steps at the last iteration"),
        ]),
        new("layout", FieldType.Group, false, 0, 0, "D-AR layout control: fix the first token groups to a reference image's tokens: {groups, image | artifact}", Fields:
        [
            new("groups", FieldType.WholeNumber, false, 1, 64, "token groups taken from the reference (default 1)"),
            new("image", FieldType.Base64, false, 0, Formats.ImageUpload.MaxBytes, "the reference as base64 PNG, JPEG or WebP"),
            new("artifact", FieldType.Text, false, 1, 200, "the reference as the artifact id of an earlier image"),
        ]),
        new(Generation.MagicMixRequest.Field, FieldType.Group, false, 0, 0, "MagicMix (model magicmix): keep the layout of an image or a layout prompt and paint the prompt's content into it: {image | artifact | layout_prompt, nu, k_min, k_max, nu_schedule, content_weight}", Fields:
        [
            new("image", FieldType.Base64, false, 0, Formats.ImageUpload.MaxBytes, "the layout as base64 PNG, JPEG or WebP (image-text mode)"),
            new("artifact", FieldType.Text, false, 1, 200, "the layout as the artifact id of an earlier image (image-text mode)"),
            new("layout_prompt", FieldType.Text, false, 1, 2000, "the layout as a prompt, denoised from noise down to k_max (text-text mode)"),
            new("nu", FieldType.Number, false, 0, 1, "mixing constant: larger paints more content and keeps less layout (default 0.5)"),
            new("k_min", FieldType.Number, false, 0, 1, "where plain content denoising takes over, as a fraction of the steps (default 0.3; below k_max)"),
            new("k_max", FieldType.Number, false, 0, 1, "the noise level the layout is taken to, as a fraction of the steps (default 0.6)"),
            new("nu_schedule", FieldType.Choice, false, 0, 0, "constant (the paper's) or linear (nu rising to 1 at k_min)", Choices: ["constant", "linear"]),
            new("content_weight", FieldType.Number, false, 0, 5, "cross-attention re-weighting of the content prompt's words (default 1: none)"),
        ]),
        JobKind.Seed,
    ]);
}
