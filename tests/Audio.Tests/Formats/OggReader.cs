using System.Buffers.Binary;

namespace Media.Audio.Tests.Formats;

/// <summary>One Ogg page as read back: its flags, granule position, sequence number and whole packets.</summary>
public sealed record OggPage(bool BeginningOfStream, bool EndOfStream, long Granule, uint Serial, uint Sequence, List<byte[]> Packets);

/// <summary>
/// An Ogg reader written for the tests from RFC 3533 (independent of the writer): it checks the capture
/// pattern, version and each page's CRC with a bit-by-bit CRC-32 (polynomial 0x04C11DB7, not reflected,
/// initial value 0, no final xor), and joins lacing values into packets.
/// </summary>
public static class OggReader
{
    public static List<OggPage> Pages(byte[] file)
    {
        var pages = new List<OggPage>();
        for (int at = 0; at < file.Length;)
        {
            Assert.Equal("OggS"u8.ToArray(), file[at..(at + 4)]);
            Assert.Equal(0, file[at + 4]);
            int segments = file[at + 26];
            int bodyLength = 0;
            for (int s = 0; s < segments; s++) bodyLength += file[at + 27 + s];
            int length = 27 + segments + bodyLength;
            var page = file.AsSpan(at, length).ToArray();
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(22));
            page[22] = page[23] = page[24] = page[25] = 0;
            Assert.Equal(BitwiseCrc(page), stored);

            var packets = new List<byte[]>();
            var current = new List<byte>();
            int body = at + 27 + segments;
            for (int s = 0; s < segments; s++)
            {
                int lace = file[at + 27 + s];
                current.AddRange(file.AsSpan(body, lace).ToArray());
                body += lace;
                if (lace < 255)
                {
                    packets.Add([.. current]);
                    current.Clear();
                }
            }
            Assert.Empty(current); // the writer never continues a packet on the next page
            byte flags = file[at + 5];
            pages.Add(new OggPage((flags & 2) != 0, (flags & 4) != 0, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(at + 6)),
                BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 14)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 18)), packets));
            at += length;
        }
        return pages;
    }

    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0;
        foreach (byte b in data)
        {
            crc ^= (uint)b << 24;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
        }
        return crc;
    }
}
