using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Hosting.Tests.Support;

/// <summary>
/// Test model slots with <see cref="StepGenerator"/>s, registered through the same API real models
/// use, plus their checkpoint files so the catalog sees them as available.
/// </summary>
public sealed class TestModels
{
    public const string Image = "test-image";
    public const string Slow = "test-slow";
    public const string Broken = "test-broken";
    public const string Speech = "test-speech";
    public const string Song = "test-song";

    public StepGenerator ImageGenerator { get; } = new(TimeSpan.FromMilliseconds(15));
    public StepGenerator SlowGenerator { get; } = new(TimeSpan.FromMilliseconds(150));
    public StepGenerator BrokenGenerator { get; } = new(TimeSpan.FromMilliseconds(5), throwAtStep: 2);
    public StepGenerator SpeechGenerator { get; } = new(TimeSpan.FromMilliseconds(15));
    public StepGenerator SongGenerator { get; } = new(TimeSpan.FromMilliseconds(15));

    /// <summary>The job kinds of the test slots, as a service declares its own (the gateway's real kinds win where it has them).</summary>
    public static readonly JobKind ImageKind = new("image", "test image", [
        new("prompt", FieldType.Text, true, 1, 2000, "what to draw"),
        new("steps", FieldType.WholeNumber, false, 1, 1000, "steps"),
        JobKind.Seed,
    ]);

    public static readonly JobKind SpeechKind = new("speech", "test speech", [
        new("text", FieldType.Text, true, 1, 4000, "what to say"),
        new("steps", FieldType.WholeNumber, false, 1, 64, "steps"),
        JobKind.Seed,
    ]);

    public void Register(IServiceCollection services)
    {
        foreach (var kind in new[] { ImageKind, SpeechKind })
            if (!services.Any(d => d.ImplementationInstance is JobKind known && known.Name == kind.Name)) services.AddJobKind(kind);
        Slot(services, Image, "image", "image", ImageGenerator);
        // test-image also stands in for an image-editing model (MagicMix's mix: true), so /v1/images/edits runs against it.
        services.AddModelLimits(Image, _ => new System.Text.Json.Nodes.JsonObject { ["mix"] = true }, (_, _) => new Dictionary<string, string[]>());
        Slot(services, Slow, "image", "image", SlowGenerator);
        Slot(services, Broken, "image", "image", BrokenGenerator);
        // test-speech also edits where the audio service's speech-edit kind is registered (the gateway's web app and its tests).
        bool edits = services.Any(d => d.ImplementationInstance is JobKind known && known.Name == StepGenerator.SpeechEditKind);
        Slot(services, Speech, "audio", edits ? ["speech", StepGenerator.SpeechEditKind] : ["speech"], SpeechGenerator);
        // Songs take the song service's own kind, so a test-song job is checked by the real song schema (lyrics tags, modes).
        if (services.Any(d => d.ImplementationInstance is JobKind known && known.Name == StepGenerator.SongKind))
        {
            Slot(services, Song, "song", StepGenerator.SongKind, SongGenerator);
            services.AddFamilyWorker("song");
        }
        services.AddFamilyWorker("image");
        services.AddFamilyWorker("audio");
    }

    /// <summary>Writes the checkpoint files of every test slot under <paramref name="modelsDirectory"/>.</summary>
    public static void WriteCheckpoints(string modelsDirectory)
    {
        foreach (string id in new[] { Image, Slow, Broken, Speech, Song })
        {
            string folder = Directory.CreateDirectory(Path.Combine(modelsDirectory, id)).FullName;
            foreach (string file in ModelCatalog.CheckpointFiles) File.WriteAllText(Path.Combine(folder, file), "{}");
        }
    }

    static void Slot(IServiceCollection services, string id, string family, string kind, StepGenerator generator) => Slot(services, id, family, [kind], generator);

    static void Slot(IServiceCollection services, string id, string family, string[] kinds, StepGenerator generator)
    {
        services.AddModelSlot(new ModelSlot(id, family, kinds, "test generator", id));
        services.AddGenerator(id, _ => generator);
    }
}
