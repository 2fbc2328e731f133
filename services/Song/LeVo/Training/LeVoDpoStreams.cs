namespace Media.Services.Song.LeVo.Training;

/// <summary>Which of LeLM's token streams DPO scores a sample by, and so which side of the model it post-trains.</summary>
public enum LeVoDpoStreams
{
    /// <summary>LeVo's: all three streams, all of LeLM trained.</summary>
    All,

    /// <summary>The mixed stream alone: only the main LM trains; the sub-decoder that makes the audio stays as stage 2 left it.</summary>
    Mixed,

    /// <summary>
    /// The vocal and accompaniment streams alone: only the sub-decoder trains; the main LM, which plans the mix (and with it
    /// the tempo and the key), stays as stage 1 left it.
    /// </summary>
    Tracks,
}
