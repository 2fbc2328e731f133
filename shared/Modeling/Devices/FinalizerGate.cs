using System.Runtime.CompilerServices;

namespace Media.Modeling.Devices;

/// <summary>
/// Keeps .NET's finalizer thread from freeing TorchSharp objects while libtorch may still read them.
/// TorchSharp passes a temporary <c>Scalar</c>'s native handle to libtorch and keeps no reference to the managed object
/// during the call: C#'s <c>a + b</c> makes a Scalar alpha of 1 for every addition, <c>x * 0.5</c> one for the number.
/// When another thread's allocation triggers a collection during the call, the Scalar's finalizer frees the native value
/// while libtorch reads it ("Expected false to be true ... toFloat" from any operation, or silently wrong values). The soak
/// (issue 22) failed 3 of 1,000 jobs this way in residual additions, attention and the VQ decoder, after the operations
/// that read their number late were already held (<see cref="Tensors.HeldScalars"/>).
/// <para>
/// The gate closes that window for every operation at once: torch work in a served process runs inside <see cref="Enter"/>
/// sections, and a section runs only while the finalizer thread (one per process, running finalizers one at a time) is
/// parked inside the finalizer of an object of the gate, so nothing collected meanwhile is finalized. The first section
/// parks it (a fresh object and a gen-0 collection). At safe points (at most every <see cref="Interval"/>, and only after
/// a collection) a coordinator waits for a moment with no section running (closing the door to new sections after
/// <see cref="Grace"/>), lets the finalizer thread go for <see cref="DrainWindow"/>, and opens the door; the next section
/// parks it again. A parked thread with no section running goes by itself after <see cref="IdleRelease"/>: an idle
/// process finalizes as usual, and a process that exits (the runtime waits for the finalizer thread) is not held.
/// Sections nest and must not block on another thread's torch work (that thread would wait at a closed door); a safe
/// point that cannot get every section out within <see cref="CloseTimeout"/> reopens and tries again later.
/// </para>
/// </summary>
public static class FinalizerGate
{
    /// <summary>Longest time between safe points (only taken when a collection happened since the last one).</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a safe point waits for a natural gap between sections before new sections wait for it.</summary>
    public static TimeSpan Grace { get; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a closed door waits for running sections; then the safe point is given up for this round.</summary>
    public static TimeSpan CloseTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a safe point lets the finalizer thread run before sections may start again. The queue is a stack (the
    /// newest collected first) with no "empty" signal, so the thread drains for this long; what it did not reach waits,
    /// queued and harmless, for the next safe point.
    /// </summary>
    public static TimeSpan DrainWindow { get; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long the thread stays parked with no section running before it goes by itself.</summary>
    public static TimeSpan IdleRelease { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a section waits for the finalizer thread to park before it runs unprotected (counted).</summary>
    public static TimeSpan ParkTimeout { get; } = TimeSpan.FromSeconds(5);

    static readonly object sync = new();
    static int inFlight;        // sections running
    static bool closed;         // a safe point holds new sections out
    static bool parked;         // the finalizer thread sits in a parker
    static bool parking;        // a section is parking it now
    static bool started;
    static long safePoints, unprotected;
    [ThreadStatic] static int depth;

    /// <summary>Safe points taken, and sections that ran unprotected because the finalizer thread never parked.</summary>
    public static (long SafePoints, long Unprotected) Counts => (Interlocked.Read(ref safePoints), Interlocked.Read(ref unprotected));

    /// <summary>Starts the coordinator, once per process (later calls do nothing). A served process calls it when it selects its torch device.</summary>
    public static void Start()
    {
        lock (sync)
        {
            if (started) return;
            started = true;
        }
        new Thread(Coordinate) { IsBackground = true, Name = "finalizer gate" }.Start();
    }

    /// <summary>
    /// Marks torch work in flight on this thread until the returned section is disposed: waits while a safe point has
    /// closed the door, and parks the finalizer thread first when it is not parked. Nested sections on one thread count
    /// once. Does nothing until <see cref="Start"/>.
    /// </summary>
    public static Section Enter()
    {
        if (!Volatile.Read(ref started)) return default;
        if (depth++ > 0) return new Section(true);
        lock (sync)
        {
            while (true)
            {
                if (closed || parking) Monitor.Wait(sync);
                else if (parked)
                {
                    inFlight++;
                    return new Section(true);
                }
                else break;
            }
            parking = true;
        }
        bool ok = false;
        try
        {
            ok = Park();
        }
        finally
        {
            lock (sync)
            {
                parking = false;
                inFlight++;
                Monitor.PulseAll(sync);
            }
            if (!ok) Interlocked.Increment(ref unprotected);
        }
        return new Section(true);
    }

    static void Exit()
    {
        if (--depth > 0) return;
        lock (sync)
        {
            if (--inFlight == 0) Monitor.PulseAll(sync);
        }
    }

    /// <summary>One thread's torch work in flight; dispose to end it.</summary>
    public readonly struct Section : IDisposable
    {
        readonly bool counted;

        internal Section(bool counted) => this.counted = counted;

        public void Dispose()
        {
            if (counted) Exit();
        }
    }

    /// <summary>Leaves a parker for the finalizer thread and waits until the thread sits in it.</summary>
    static bool Park()
    {
        var deadline = DateTime.UtcNow + ParkTimeout;
        while (DateTime.UtcNow < deadline)
        {
            LeaveParker();
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            var retry = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
            lock (sync)
            {
                while (!parked && DateTime.UtcNow < retry) Monitor.Wait(sync, TimeSpan.FromMilliseconds(50));
                if (parked) return true;
            }
            // Not finalized yet (the thread busy, or the parker survived the gen-0 collection): a fuller one.
            GC.Collect();
        }
        return false;
    }

    static void Coordinate()
    {
        int collections = GC.CollectionCount(0);
        while (true)
        {
            Thread.Sleep(Interval);
            // Finalizers are queued only by collections: none since the last safe point, nothing waits.
            if (GC.CollectionCount(0) == collections || !Volatile.Read(ref parked)) continue;
            if (!CloseDoor()) continue;
            try
            {
                lock (sync)
                {
                    parked = false;
                    Monitor.PulseAll(sync);
                }
                // Sections stay out meanwhile: whatever is finalized now is safe. The next section parks the thread again.
                Thread.Sleep(DrainWindow);
                collections = GC.CollectionCount(0);
                Interlocked.Increment(ref safePoints);
            }
            finally
            {
                lock (sync)
                {
                    closed = false;
                    Monitor.PulseAll(sync);
                }
            }
        }
    }

    /// <summary>Waits for no section to run: first for a natural gap, then with new sections held at the door.</summary>
    static bool CloseDoor()
    {
        lock (sync)
        {
            var grace = DateTime.UtcNow + Grace;
            while ((inFlight > 0 || parking) && DateTime.UtcNow < grace) Monitor.Wait(sync, Grace);
            closed = true;
            var deadline = DateTime.UtcNow + CloseTimeout;
            while (inFlight > 0 || parking)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    closed = false;
                    Monitor.PulseAll(sync);
                    return false;
                }
                Monitor.Wait(sync, left);
            }
            return true;
        }
    }

    // Not inlined, so no reference to the parker stays in the caller's frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void LeaveParker() => _ = new Parker();

    sealed class Parker
    {
        ~Parker()
        {
            lock (sync)
            {
                // Only one parker holds the thread, and only while a section asks for it: spares from retries go.
                if (parked || !parking) return;
                parked = true;
                Monitor.PulseAll(sync);
                // The finalizer thread is the only one that parks, so nothing else sets parked again before this returns.
                while (parked)
                {
                    if (Monitor.Wait(sync, IdleRelease) || inFlight > 0 || parking || closed) continue;
                    // Parked with nothing running: let the thread go (an idle process finalizes; an exiting one is not held).
                    parked = false;
                    Monitor.PulseAll(sync);
                }
            }
        }
    }
}
