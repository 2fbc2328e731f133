using System.Runtime.InteropServices;

namespace Media.Modeling.Devices;

/// <summary>
/// glibc's malloc settings for a long-running libtorch process (Linux; elsewhere nothing). libtorch allocates tensor
/// memory with malloc from whichever thread runs the model. glibc gives threads up to eight arenas per core and, after
/// the first large block is freed, raises its mmap threshold to that block's size, so later tensors of that size come
/// from the arenas and stay there once freed: the soak's resident memory grew 11.8% over 900 generations with live
/// tensors flat (issue 22). Two arenas, and a fixed 1 MiB mmap threshold (tensors above it are mapped and unmapped,
/// and so given back to the system when freed), keep it flat. Fixing the threshold also fixes the trim threshold at
/// glibc's 128 KiB: every step's sub-MiB tensors, freed, shrank the heap and faulted its pages back in on the next step,
/// which took half the time of a batched ARDiT step (8 rows: 7.0-7.9 ms with it, 3.5-4.6 ms without; issue 19). A
/// 16 MiB trim threshold keeps that much free memory at each heap's top at most: bounded, so still flat. Set once per
/// process, before the models run.
/// </summary>
public static class NativeHeap
{
    const int TrimThreshold = -1, MmapThreshold = -3, ArenaMax = -8; // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX (malloc.h)

    /// <summary>Arenas the process's threads share.</summary>
    public const int Arenas = 2;

    /// <summary>Blocks at least this large are mapped on their own and returned to the system when freed.</summary>
    public const int MmapThresholdBytes = 1 << 20;

    /// <summary>Free memory a heap keeps at its top before giving it back to the system.</summary>
    public const int TrimThresholdBytes = 16 << 20;

    static readonly Lazy<bool> Applied = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Applies the settings once; true when glibc took them.</summary>
    public static bool Configure() => Applied.Value;

    static bool Apply()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(ArenaMax, Arenas) == 1 & mallopt(MmapThreshold, MmapThresholdBytes) == 1 & mallopt(TrimThreshold, TrimThresholdBytes) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl has neither setting)
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);
}
