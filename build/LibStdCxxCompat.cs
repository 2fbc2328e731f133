#nullable enable
// Makes TorchSharp's native bridge load on systems whose libstdc++ predates GCC 13 (Debian 12,
// Ubuntu 22.04). libLibTorchSharp.so asks for GLIBCXX_3.4.32 for one symbol only,
// std::ios_base_library_init, which GCC 13's <iostream> references but never calls. Marking that
// version requirement weak (VER_FLG_WEAK) and the symbol's binding weak lets the loader accept the
// library without it; where the version exists the loader binds it exactly as before.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (build/LibStdCxxCompat.targets)
// and by tests/Build.Tests, which checks the patch on a real copy of the library.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Media.Build
{
    public enum ElfPatchOutcome
    {
        /// <summary>The version requirement and its symbols were made weak.</summary>
        Patched,
        /// <summary>The file already carries the weak flag; nothing was written.</summary>
        AlreadyWeak,
        /// <summary>The file does not require the version at all.</summary>
        NotRequired,
    }

    /// <summary>Edits the GNU symbol-versioning tables of an ELF64 little-endian shared object.</summary>
    public static class ElfVersionPatcher
    {
        const uint ShtDynsym = 11;
        const uint ShtGnuVerneed = 0x6ffffffe;
        const uint ShtGnuVersym = 0x6fffffff;
        const ushort VerFlgWeak = 0x2;
        const byte StbWeak = 2;

        /// <summary>
        /// Marks <paramref name="version"/> weak in .gnu.version_r and gives every undefined symbol bound
        /// to it a weak binding. Refuses (throws) when a symbol outside <paramref name="allowedSymbols"/>
        /// needs the version: weakening a function that is really called would turn a clear load error
        /// into a crash later.
        /// </summary>
        public static ElfPatchOutcome MakeVersionWeak(byte[] elf, string version, ICollection<string> allowedSymbols, out IReadOnlyList<string> weakenedSymbols)
        {
            var sections = ReadSections(elf);
            var verneed = sections.FirstOrDefault(s => s.Type == ShtGnuVerneed)
                ?? throw new InvalidDataException("no .gnu.version_r section");
            var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym)
                ?? throw new InvalidDataException("no .gnu.version section");
            var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym)
                ?? throw new InvalidDataException("no .dynsym section");
            var dynstr = sections[(int)verneed.Link];

            // Walk Elf64_Verneed entries and their Elf64_Vernaux chains.
            long auxOffset = -1;
            ushort versionIndex = 0;
            long need = verneed.Offset;
            for (uint n = 0; n < verneed.Info; n++)
            {
                ushort count = U16(elf, need + 2);
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < count; a++)
                {
                    if (ReadString(elf, dynstr.Offset + U32(elf, aux + 8)) == version)
                    {
                        auxOffset = aux;
                        versionIndex = U16(elf, aux + 6);
                    }
                    aux += U32(elf, aux + 12);
                }
                uint next = U32(elf, need + 12);
                if (next == 0) break;
                need += next;
            }

            weakenedSymbols = Array.Empty<string>();
            if (auxOffset < 0) return ElfPatchOutcome.NotRequired;
            ushort flags = U16(elf, auxOffset + 4);
            if ((flags & VerFlgWeak) != 0) return ElfPatchOutcome.AlreadyWeak;

            var symbolStrings = sections[(int)dynsym.Link];
            long symbolCount = dynsym.Size / 24;
            var toWeaken = new List<long>();
            var names = new List<string>();
            for (long i = 0; i < symbolCount; i++)
            {
                if ((U16(elf, versym.Offset + 2 * i) & 0x7fff) != versionIndex) continue;
                long sym = dynsym.Offset + 24 * i;
                string name = ReadString(elf, symbolStrings.Offset + U32(elf, sym));
                bool undefined = U16(elf, sym + 6) == 0;
                if (!undefined) continue;
                if (!allowedSymbols.Contains(name))
                    throw new InvalidOperationException($"symbol {name} needs {version} and is not known to be unused; refusing to weaken it");
                toWeaken.Add(sym);
                names.Add(name);
            }

            WriteU16(elf, auxOffset + 4, (ushort)(flags | VerFlgWeak));
            foreach (long sym in toWeaken)
                elf[sym + 4] = (byte)((StbWeak << 4) | (elf[sym + 4] & 0xf));
            weakenedSymbols = names;
            return ElfPatchOutcome.Patched;
        }

        /// <summary>Whether a libstdc++ the loader would find on this machine defines <paramref name="version"/>.</summary>
        public static bool SystemLibStdCxxHas(string version, IEnumerable<string>? searchDirectories = null)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            foreach (string dir in searchDirectories ?? DefaultLibraryDirectories())
            {
                string path = Path.Combine(dir, "libstdc++.so.6");
                if (!File.Exists(path)) continue;
                return IndexOf(File.ReadAllBytes(path), needle) >= 0;
            }
            return false;
        }

        public static IEnumerable<string> DefaultLibraryDirectories()
        {
            var fromEnv = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "")
                .Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries);
            return fromEnv.Concat(new[]
            {
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            });
        }

        sealed class Section
        {
            public uint Type;
            public long Offset;
            public long Size;
            public uint Link;
            public uint Info;
        }

        static List<Section> ReadSections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only ELF64 little-endian files are supported");
            long shoff = (long)U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3a);
            ushort shnum = U16(elf, 0x3c);
            var list = new List<Section>(shnum);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                list.Add(new Section
                {
                    Type = U32(elf, h + 4),
                    Offset = (long)U64(elf, h + 24),
                    Size = (long)U64(elf, h + 32),
                    Link = U32(elf, h + 40),
                    Info = U32(elf, h + 44),
                });
            }
            return list;
        }

        static string ReadString(byte[] elf, long offset)
        {
            long end = offset;
            while (elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, (int)offset, (int)(end - offset));
        }

        static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i <= haystack.Length - needle.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        static ushort U16(byte[] b, long o) => (ushort)(b[o] | b[o + 1] << 8);
        static uint U32(byte[] b, long o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
        static ulong U64(byte[] b, long o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;
        static void WriteU16(byte[] b, long o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
    }

    /// <summary>Patches copies of libLibTorchSharp.so in a build or publish folder, in place.</summary>
    public static class LibTorchSharpCompat
    {
        public const string Version = "GLIBCXX_3.4.32";
        public static readonly string[] UnusedSymbols = { "_ZSt21ios_base_library_initv" };

        /// <summary>Patches one file atomically (a new file replaces the old entry, so a hard link into
        /// the NuGet cache is never written through). Keeps the timestamp so incremental copies skip it.</summary>
        public static ElfPatchOutcome PatchFile(string path, out IReadOnlyList<string> weakened)
        {
            byte[] bytes = File.ReadAllBytes(path);
            var outcome = ElfVersionPatcher.MakeVersionWeak(bytes, Version, UnusedSymbols, out weakened);
            if (outcome != ElfPatchOutcome.Patched) return outcome;
            var stamp = File.GetLastWriteTimeUtc(path);
            string temp = path + ".patching";
            File.WriteAllBytes(temp, bytes);
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Delete(path);
            File.Move(temp, path);
            return outcome;
        }
    }
}

#if !MEDIA_BUILD_TESTS
namespace Media.Build
{
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>Folders to search (recursively) for libLibTorchSharp.so.</summary>
        [Microsoft.Build.Framework.Required]
        public string[] Directories { get; set; } = Array.Empty<string>();

        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
                return true;
            if (ElfVersionPatcher.SystemLibStdCxxHas(LibTorchSharpCompat.Version))
            {
                Log.LogMessage("libstdc++ has {0}: libLibTorchSharp.so left as shipped", LibTorchSharpCompat.Version);
                return true;
            }
            foreach (string dir in Directories.Where(Directory.Exists))
            {
                foreach (string file in Directory.EnumerateFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories))
                {
                    var outcome = LibTorchSharpCompat.PatchFile(file, out var weakened);
                    if (outcome == ElfPatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            "libstdc++ compat: made {0} weak in {1} ({2})", LibTorchSharpCompat.Version, file, string.Join(", ", weakened));
                }
            }
            return true;
        }
    }
}
#endif
