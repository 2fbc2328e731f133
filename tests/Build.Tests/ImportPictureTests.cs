using System.Xml.Linq;

namespace Media.Build.Tests;

/// <summary>
/// The import picture the README's Architecture section states, read from the project files: a service references no other
/// service, shared/Modeling no console or web library, and the gateway no audio codec package (those are shared/Audio's).
/// </summary>
public sealed class ImportPictureTests
{
    static readonly string Root = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Media.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("the checkout (Media.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>The Include of each item of <paramref name="kind"/> in a project file (ProjectReference paths resolved to full paths).</summary>
    static IReadOnlyList<string> Items(string project, string kind)
    {
        var includes = XDocument.Load(project).Descendants(kind).Select(e => (string?)e.Attribute("Include")).OfType<string>();
        return kind == "ProjectReference"
            ? [.. includes.Select(i => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, i.Replace('\\', '/'))))]
            : [.. includes];
    }

    public static TheoryData<string> Services() =>
        [.. Directory.GetFiles(Path.Combine(FindRoot(), "services"), "*.csproj", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(FindRoot(), p))];

    [Theory]
    [MemberData(nameof(Services))]
    public void A_service_references_no_other_service(string project)
    {
        string services = Path.Combine(Root, "services") + Path.DirectorySeparatorChar;
        var others = Items(Path.Combine(Root, project), "ProjectReference").Where(r => r.StartsWith(services, StringComparison.Ordinal)).ToList();
        Assert.True(others.Count == 0, $"{project} references {string.Join(", ", others.Select(o => Path.GetRelativePath(Root, o)))}");
    }

    [Fact]
    public void Modeling_references_no_console_or_web_library()
    {
        string project = Path.Combine(Root, "shared", "Modeling", "Modeling.csproj");
        var packages = Items(project, "PackageReference");
        Assert.Contains("TorchSharp-cpu", packages); // the file read is the real one
        Assert.DoesNotContain(packages, p => p.StartsWith("Spectre.", StringComparison.Ordinal) || p.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Empty(Items(project, "FrameworkReference"));
        Assert.Empty(Items(project, "ProjectReference"));
    }

    [Fact]
    public void The_gateway_references_no_audio_codec_package()
    {
        var packages = Items(Path.Combine(Root, "gateway", "Gateway.csproj"), "PackageReference");
        Assert.Contains("Scalar.AspNetCore", packages); // the file read is the real one
        string[] codecs = ["Concentus", "NAudio", "NLayer"];
        Assert.DoesNotContain(packages, p => codecs.Any(c => p.StartsWith(c, StringComparison.Ordinal)));
    }
}
