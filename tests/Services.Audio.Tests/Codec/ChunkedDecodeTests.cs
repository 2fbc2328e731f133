using System.Collections;
using Media.Services.Audio.Codec;
using Media.Tokenizers.Audio.Codec;

namespace Media.Services.Audio.Tests.Codec;

/// <summary>
/// Issue 22 §1.1: a decode job decodes in bounded chunks as it streams. The codes are read a chunk at a time, so the
/// first audio leaves before the rest of a long matrix is even looked at, and the pieces add up to the whole decode.
/// </summary>
public sealed class ChunkedDecodeTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("media-codec-chunks-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A codebook row that records the furthest frame anyone read.</summary>
    sealed class WatchedRow(int[] values) : IReadOnlyList<int>
    {
        public int Furthest { get; private set; } = -1;
        public int Count => values.Length;
        public int this[int index]
        {
            get
            {
                Furthest = Math.Max(Furthest, index);
                return values[index];
            }
        }
        public IEnumerator<int> GetEnumerator()
        {
            for (int i = 0; i < values.Length; i++) yield return this[i];
        }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // Vocos looks 27 frames ahead: its first chunk gives nothing, yet reads no further than that chunk
    public void The_first_chunk_is_decoded_from_its_own_frames_and_the_chunks_equal_the_whole_decode(bool vocos)
    {
        using var codec = NeuralAudioCodec.Load(RandomCodecCheckpoint.Write(Path.Combine(root, "models"), vocos: vocos ? RandomCodecCheckpoint.TinyVocos : null));
        const int frames = 400, perChunk = 25;
        var random = new Random(5);
        int[][] values = [.. Enumerable.Range(0, codec.Model.Config.NumQuantizers)
            .Select(_ => Enumerable.Range(0, frames).Select(_ => random.Next(codec.Model.Config.CodebookSize)).ToArray())];
        var rows = values.Select(v => new WatchedRow(v)).ToArray();

        using (var chunks = codec.DecodeChunks(rows, perChunk).GetEnumerator())
        {
            Assert.True(chunks.MoveNext());
            Assert.Equal(vocos ? 0 : 1, Math.Sign(chunks.Current.Length));
            Assert.All(rows, r => Assert.True(r.Furthest < perChunk, $"read up to frame {r.Furthest} for the first chunk"));
        }

        var pieces = codec.DecodeChunks(values.Select(v => (IReadOnlyList<int>)v).ToArray(), perChunk).ToList();
        Assert.Equal(frames / perChunk, pieces.Count);
        var whole = codec.DecodeMatrix(values.Select(v => (IReadOnlyList<int>)v).ToArray());
        var joined = pieces.SelectMany(p => p.Channels[0]).ToArray();
        Assert.Equal(whole.Length, joined.Length);
        for (int i = 0; i < joined.Length; i++) Assert.Equal(whole.Channels[0][i], joined[i], 1e-4);
    }
}
