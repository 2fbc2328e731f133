using System.Reflection;
using Media.Build;
using Media.Modeling.Devices;
using TorchSharp;

namespace Media.Build.Tests;

public sealed class LibStdCxxCompatTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("media-elf-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static string ShippedLibrary()
    {
        string root = typeof(LibStdCxxCompatTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value!;
        string path = Path.Combine(root, "torchsharp", TorchRuntime.TorchSharpVersion, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"the NuGet copy of libLibTorchSharp.so is expected at {path}");
        return path;
    }

    static string OutputLibrary() => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void Patch_weakens_exactly_the_version_flag_and_one_symbol_binding()
    {
        byte[] original = File.ReadAllBytes(ShippedLibrary());
        byte[] patched = (byte[])original.Clone();

        var outcome = ElfVersionPatcher.MakeVersionWeak(patched, LibTorchSharpCompat.Version, LibTorchSharpCompat.UnusedSymbols, out var weakened);

        Assert.Equal(ElfPatchOutcome.Patched, outcome);
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, weakened);
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        // One byte of vna_flags (0x0 -> 0x2) and one st_info byte (GLOBAL FUNC 0x12 -> WEAK FUNC 0x22).
        Assert.Equal(2, changed.Length);
        Assert.Contains(changed, i => original[i] == 0x00 && patched[i] == 0x02);
        Assert.Contains(changed, i => original[i] == 0x12 && patched[i] == 0x22);
    }

    [Fact]
    public void Patching_twice_changes_nothing_the_second_time()
    {
        string copy = Path.Combine(temp, "libLibTorchSharp.so");
        File.Copy(ShippedLibrary(), copy);

        Assert.Equal(ElfPatchOutcome.Patched, LibTorchSharpCompat.PatchFile(copy, out _));
        byte[] once = File.ReadAllBytes(copy);
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, LibTorchSharpCompat.PatchFile(copy, out _));
        Assert.Equal(once, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Patching_a_copy_leaves_the_NuGet_cache_untouched_and_keeps_the_timestamp()
    {
        string shipped = ShippedLibrary();
        byte[] before = File.ReadAllBytes(shipped);
        string copy = Path.Combine(temp, "libLibTorchSharp.so");
        File.Copy(shipped, copy);
        var stamp = File.GetLastWriteTimeUtc(copy);

        LibTorchSharpCompat.PatchFile(copy, out _);

        Assert.Equal(before, File.ReadAllBytes(shipped));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void A_symbol_not_known_to_be_unused_is_refused()
    {
        byte[] bytes = File.ReadAllBytes(ShippedLibrary());
        var ex = Assert.Throws<InvalidOperationException>(() =>
            ElfVersionPatcher.MakeVersionWeak(bytes, LibTorchSharpCompat.Version, Array.Empty<string>(), out _));
        Assert.Contains("_ZSt21ios_base_library_initv", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_library_that_does_not_need_the_version_is_left_alone()
    {
        string c10 = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libc10.so");
        byte[] bytes = File.ReadAllBytes(c10);
        byte[] copy = (byte[])bytes.Clone();
        Assert.Equal(ElfPatchOutcome.NotRequired, ElfVersionPatcher.MakeVersionWeak(copy, LibTorchSharpCompat.Version, LibTorchSharpCompat.UnusedSymbols, out _));
        Assert.Equal(bytes, copy);
    }

    [Fact]
    public void Not_an_ELF_file_gets_a_clear_error()
    {
        var ex = Assert.Throws<InvalidDataException>(() =>
            ElfVersionPatcher.MakeVersionWeak(new byte[128], LibTorchSharpCompat.Version, LibTorchSharpCompat.UnusedSymbols, out _));
        Assert.Contains("not an ELF", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void System_libstdcxx_version_detection_reads_the_library()
    {
        string with = Directory.CreateDirectory(Path.Combine(temp, "with")).FullName;
        string without = Directory.CreateDirectory(Path.Combine(temp, "without")).FullName;
        File.WriteAllBytes(Path.Combine(with, "libstdc++.so.6"), "\0GLIBCXX_3.4.31\0GLIBCXX_3.4.32\0"u8.ToArray());
        File.WriteAllBytes(Path.Combine(without, "libstdc++.so.6"), "\0GLIBCXX_3.4.30\0GLIBCXX_3.4.3\0"u8.ToArray());

        Assert.True(ElfVersionPatcher.SystemLibStdCxxHas("GLIBCXX_3.4.32", new[] { with }));
        Assert.False(ElfVersionPatcher.SystemLibStdCxxHas("GLIBCXX_3.4.32", new[] { without }));
    }

    [Fact]
    public void The_build_output_is_patched_exactly_when_this_system_needs_it()
    {
        bool systemHasVersion = ElfVersionPatcher.SystemLibStdCxxHas(LibTorchSharpCompat.Version);
        byte[] output = File.ReadAllBytes(OutputLibrary());
        var outcome = ElfVersionPatcher.MakeVersionWeak(output, LibTorchSharpCompat.Version, LibTorchSharpCompat.UnusedSymbols, out _);
        Assert.Equal(systemHasVersion ? ElfPatchOutcome.Patched : ElfPatchOutcome.AlreadyWeak, outcome);

        // And the library this process actually loaded works: libtorch runs through it.
        using var product = torch.ones(2, 2).matmul(torch.ones(2, 2));
        Assert.Equal(2f, product[0, 0].item<float>());
    }
}
