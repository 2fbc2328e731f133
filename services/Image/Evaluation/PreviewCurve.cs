namespace Media.Services.Image.Evaluation;

/// <summary>D-AR's streaming claim as a check: the preview after each token group is closer to the final image than the one before.</summary>
public static class PreviewCurve
{
    /// <summary>True when every entry of <paramref name="psnrByGroup"/> (mean PSNR against the final image after group 1..G) exceeds the one before.</summary>
    public static bool RisesAtEveryGroup(IReadOnlyList<double> psnrByGroup)
    {
        ArgumentNullException.ThrowIfNull(psnrByGroup);
        if (psnrByGroup.Count < 2) return false;
        for (int k = 1; k < psnrByGroup.Count; k++)
            if (!(psnrByGroup[k] > psnrByGroup[k - 1])) return false;
        return true;
    }
}
