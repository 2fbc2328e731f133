namespace Media.Hosting.Jobs;

/// <summary>The kinds of work a job can ask for; a model slot lists the kinds it serves.</summary>
public static class JobKinds
{
    public const string Image = "image";
    public const string Speech = "speech";
    public const string Song = "song";
    public const string AudioEncode = "audio-encode";
    public const string AudioDecode = "audio-decode";

    public static readonly IReadOnlyList<string> All = [Image, Speech, Song, AudioEncode, AudioDecode];
}
