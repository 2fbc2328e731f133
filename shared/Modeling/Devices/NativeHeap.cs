using System.Runtime.InteropServices;

namespace Media.Modeling.Devices;

/// <summary>
/// glibc's malloc settings for a libtorch process (Linux; elsewhere nothing), one <see cref="NativeHeapProfile"/> per
/// process, set before the models run. libtorch allocates tensor memory with malloc from whichever thread runs the model.
/// <para>
/// Serving: glibc gives threads up to eight arenas per core and, after the first large block is freed, raises its mmap
/// threshold to that block's size, so later tensors of that size come from the arenas and stay there once freed: the
/// soak's resident memory grew 11.8% over 900 generations with live tensors flat (issue 22). Two arenas, and a fixed
/// 1 MiB mmap threshold (tensors above it are mapped and unmapped, and so given back to the system when freed), keep it
/// flat. Fixing the threshold also fixes the trim threshold at glibc's 128 KiB: every step's sub-MiB tensors, freed,
/// shrank the heap and faulted its pages back in on the next step, which took half the time of a batched ARDiT step
/// (8 rows: 7.0-7.9 ms with it, 3.5-4.6 ms without; issue 19). A 16 MiB trim threshold keeps that much free memory at
/// each heap's top at most: bounded, so still flat.
/// </para>
/// <para>
/// Training: a step allocates and frees the same large activations and gradients every time; mapped fresh, each comes
/// back as zeroed pages faulted in one by one (two thirds of a SongGen step went to the kernel's page-fault path: 5.0 s
/// a step, 1.6 s without). Nothing is mapped on its own and the heap is not trimmed below 1 GiB, so the loop reuses its
/// memory; it does not grow, since every step asks for the same sizes. (A thread other than the main one that asks for
/// more than 64 MiB at once still gets it mapped: glibc's secondary arenas cannot hold a block that large.)
/// </para>
/// </summary>
public static class NativeHeap
{
    const int TrimThreshold = -1, MmapMax = -4, MmapThreshold = -3, ArenaMax = -8; // M_TRIM_THRESHOLD, M_MMAP_MAX, M_MMAP_THRESHOLD, M_ARENA_MAX (malloc.h)

    /// <summary>Arenas the process's threads share.</summary>
    public const int Arenas = 2;

    /// <summary>Serving: blocks at least this large are mapped on their own and returned to the system when freed.</summary>
    public const int MmapThresholdBytes = 1 << 20;

    /// <summary>Serving: free memory a heap keeps at its top before giving it back to the system.</summary>
    public const int TrimThresholdBytes = 16 << 20;

    /// <summary>Training: free memory a heap keeps at its top before giving it back to the system.</summary>
    public const int TrainingTrimThresholdBytes = 1 << 30;

    static readonly Lock Gate = new();
    static bool? taken; // null until the first Configure

    /// <summary>Applies <paramref name="profile"/> once per process (later calls keep the first); true when glibc took it.</summary>
    public static bool Configure(NativeHeapProfile profile = NativeHeapProfile.Serving)
    {
        lock (Gate) return taken ??= Apply(profile);
    }

    static bool Apply(NativeHeapProfile profile)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return profile == NativeHeapProfile.Training
                ? mallopt(ArenaMax, Arenas) == 1 & mallopt(MmapMax, 0) == 1 & mallopt(TrimThreshold, TrainingTrimThresholdBytes) == 1
                : mallopt(ArenaMax, Arenas) == 1 & mallopt(MmapThreshold, MmapThresholdBytes) == 1 & mallopt(TrimThreshold, TrimThresholdBytes) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl has none of these settings)
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);
}

/// <summary>How <see cref="NativeHeap"/> sets up malloc for the process.</summary>
public enum NativeHeapProfile
{
    /// <summary>A long-running service: memory given back, resident size flat across requests.</summary>
    Serving,

    /// <summary>A training or evaluation loop: the same large blocks reused step after step, none mapped and unmapped.</summary>
    Training,
}
