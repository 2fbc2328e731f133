namespace Media.Services.Song.LeVo.Training;

/// <summary>How a prompt's samples are ranked into its DPO pair.</summary>
public enum LeVoPairRanking
{
    /// <summary>By the combined preference score (lyric CER, tempo and key adherence, key clarity); the best against the worst.</summary>
    Combined,

    /// <summary>
    /// LeVo's lyric-alignment pairs: by lyric CER alone, between two samples that agree on tempo and key adherence, so a pair
    /// says which words were sung better and nothing about which tempo or key to prefer.
    /// </summary>
    Lyrics,
}
