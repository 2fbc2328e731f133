using System.Text;
using Media.Hosting.Artifacts;
using Media.Hosting.Tests.Support;
using NAudio.Wave;

namespace Media.Hosting.Tests.Artifacts;

public sealed class MediaMetadataTests
{
    static readonly Dictionary<string, string> Metadata = new()
    {
        ["model"] = "token-shuffle",
        ["seed"] = "1234",
        ["parameters"] = """{"prompt":"ein Bär im Schnee — 雪"}""",
    };

    [Fact]
    public void Png_text_chunks_follow_IHDR_with_valid_CRCs_and_the_image_chunks_are_unchanged()
    {
        byte[] png = TinyMedia.Png(4, 4, 99);
        byte[] tagged = MediaMetadata.Embed(png, "image/png", Metadata);

        var chunks = TinyMedia.PngChunks(tagged);
        Assert.Equal(["IHDR", "tEXt", "tEXt", "iTXt", "IDAT", "IEND"], chunks.Select(c => c.Type));
        Assert.Equal(TinyMedia.PngChunks(png).Select(c => (c.Type, Convert.ToHexString(c.Data))),
            chunks.Where(c => c.Type is not ("tEXt" or "iTXt")).Select(c => (c.Type, Convert.ToHexString(c.Data))));
        Assert.Equal("model\0token-shuffle", Encoding.Latin1.GetString(chunks[1].Data));
        Assert.Equal("seed\01234", Encoding.Latin1.GetString(chunks[2].Data));
        // iTXt: keyword, NUL, compression flag 0, method 0, empty language, NUL, empty translation, NUL, UTF-8 text
        byte[] itxt = chunks[3].Data;
        Assert.Equal("parameters\0\0\0\0\0", Encoding.Latin1.GetString(itxt, 0, 15));
        Assert.Equal(Metadata["parameters"], Encoding.UTF8.GetString(itxt, 15, itxt.Length - 15));
    }

    [Fact]
    public void Wav_gets_a_LIST_INFO_chunk_and_still_reads_as_the_same_audio()
    {
        byte[] pcm = StepGenerator.Chunk(3);
        byte[] tagged = MediaMetadata.Embed(TinyMedia.Wav(pcm, 8000), "audio/wav", Metadata);

        using var reader = new WaveFileReader(new MemoryStream(tagged));
        Assert.Equal((8000, 1, 16), (reader.WaveFormat.SampleRate, reader.WaveFormat.Channels, reader.WaveFormat.BitsPerSample));
        var samples = new byte[pcm.Length];
        Assert.Equal(pcm.Length, reader.Read(samples, 0, samples.Length));
        Assert.Equal(pcm, samples);

        var info = reader.Chunks.ReadInfoMetadata()!;
        Assert.Equal("Media", info.Software);
        Assert.Contains("seed=1234\n", info.Comments, StringComparison.Ordinal);
        Assert.Contains("model=token-shuffle", info.Comments, StringComparison.Ordinal);
        Assert.Contains(Metadata["parameters"], Encoding.UTF8.GetString(tagged), StringComparison.Ordinal); // UTF-8 in ICMT
        Assert.Equal(tagged.Length - 8, BitConverter.ToInt32(tagged, 4));
    }

    [Fact]
    public void Other_content_is_left_alone_and_broken_files_are_refused_clearly()
    {
        byte[] text = [1, 2, 3];
        Assert.Same(text, MediaMetadata.Embed(text, "application/octet-stream", Metadata));
        Assert.Contains("Not a PNG", Assert.Throws<ArgumentException>(() => MediaMetadata.Embed(text, "image/png", Metadata)).Message, StringComparison.Ordinal);
        Assert.Contains("Not a WAV", Assert.Throws<ArgumentException>(() => MediaMetadata.Embed(text, "audio/wav", Metadata)).Message, StringComparison.Ordinal);
    }
}
