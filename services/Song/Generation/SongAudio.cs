namespace Media.Services.Song.Generation;

/// <summary>A generated song: the mix and, from a dual-track mode, its vocal and accompaniment stems; mono at <see cref="SampleRate"/>.</summary>
public sealed record SongAudio(float[] Mix, float[]? Vocals, float[]? Accompaniment, int SampleRate, double FirstChunkSeconds, double Seconds);
