using Media.Hosting.Models;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Tests;

public sealed class ModelCatalogTests : IDisposable
{
    readonly string models = Directory.CreateTempSubdirectory("media-models-").FullName;

    public void Dispose() => Directory.Delete(models, recursive: true);

    ModelCatalog Catalog(params ModelSlot[] slots) =>
        new(slots, Options.Create(new MediaOptions { ModelsDirectory = models }));

    static ModelSlot Slot(string id) => new(id, "image", ["image"], "test", id);

    [Fact]
    public void A_partial_checkpoint_is_still_missing_and_names_the_absent_file()
    {
        Directory.CreateDirectory(Path.Combine(models, "a"));
        File.WriteAllText(Path.Combine(models, "a", "config.json"), "{}");

        var status = Catalog(Slot("a")).Find("a")!;

        Assert.Equal(ModelState.Missing, status.State);
        Assert.Contains("model.safetensors", status.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("config.json", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reported_runtime_state_shows_once_the_checkpoint_exists()
    {
        var catalog = Catalog(Slot("a"));
        catalog.Report("a", ModelState.Failed, "out of memory");
        Assert.Equal(ModelState.Missing, catalog.Find("a")!.State);

        Directory.CreateDirectory(Path.Combine(models, "a"));
        foreach (string f in ModelCatalog.CheckpointFiles) File.WriteAllText(Path.Combine(models, "a", f), "x");

        var status = catalog.Find("a")!;
        Assert.Equal(ModelState.Failed, status.State);
        Assert.Equal("out of memory", status.Reason);
    }

    [Fact]
    public void Duplicate_ids_and_unknown_reports_are_rejected()
    {
        Assert.Throws<InvalidOperationException>(() => Catalog(Slot("a"), Slot("a")));
        Assert.Throws<ArgumentException>(() => Catalog(Slot("a")).Report("b", ModelState.Loaded));
        Assert.Null(Catalog(Slot("a")).Find("b"));
    }

    [Fact]
    public void The_models_folder_defaults_to_the_checkout_that_holds_the_program()
    {
        string resolved = new MediaOptions().ResolveModelsDirectory();
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(resolved)!, "Media.sln")), resolved);
    }
}
