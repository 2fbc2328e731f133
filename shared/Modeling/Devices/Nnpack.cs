using System.Runtime.InteropServices;

namespace Media.Modeling.Devices;

/// <summary>
/// Turns libtorch's NNPACK convolution path off, at the source of its "Could not initialize NNPACK! Reason: Unsupported
/// hardware." warning: on CPUs NNPACK does not support, every convolution asked whether NNPACK could run and libtorch
/// logged that line each time, burying real errors in the gateway's log. With the user flag off, libtorch never asks
/// (PyTorch's <c>torch.backends.nnpack.set_flags(False)</c>); convolutions take libtorch's other CPU kernels, which they
/// already did wherever NNPACK was unavailable. TorchSharp exposes no switch for it, so this calls libtorch's own
/// <c>at::globalContext().setUserEnabledNNPACK(false)</c>; on a build without those symbols it does nothing.
/// </summary>
public static class Nnpack
{
    const string Library = "libtorch_cpu";
    static readonly Lazy<bool> Disabled = new(Switch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Turns NNPACK off once per process; true when libtorch's flag is now off.</summary>
    public static bool Disable() => Disabled.Value;

    /// <summary>libtorch's flag (null where the symbols are not available, as on Windows or macOS builds).</summary>
    public static bool? UserEnabled
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return null;
            try
            {
                TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
                return UserEnabledNnpack(GlobalContext());
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return null; }
        }
    }

    static bool Switch()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            // Loads libtorch through TorchSharp first, so the library resolved below is the one it uses.
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
            SetUserEnabledNnpack(GlobalContext(), false);
            return !UserEnabledNnpack(GlobalContext());
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // at::globalContext(), at::Context::setUserEnabledNNPACK(bool) and userEnabledNNPACK() const (Itanium C++ ABI names;
    // a member function takes the object as its first argument).
    [DllImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
    static extern nint GlobalContext();

    [DllImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    static extern void SetUserEnabledNnpack(nint context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    static extern bool UserEnabledNnpack(nint context);
}
