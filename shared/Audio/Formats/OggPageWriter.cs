using System.Buffers.Binary;

namespace Media.Audio.Formats;

/// <summary>
/// Ogg pages (RFC 3533) of one logical stream: packets are laced into a page, which is written whole
/// with its granule position, sequence number and CRC. The caller decides where pages end, so a
/// streaming writer can flush one page per piece of audio.
/// </summary>
public sealed class OggPageWriter(uint serial)
{
    const int MaxSegments = 255;
    const byte BeginningOfStream = 0x02;
    const byte EndOfStream = 0x04;

    static readonly uint[] CrcTable = BuildCrcTable();

    readonly List<byte[]> packets = [];
    uint sequence;
    bool begun;

    /// <summary>Lacing values the packets waiting for the next page take.</summary>
    int SegmentsPending => packets.Sum(p => p.Length / 255 + 1);

    /// <summary>Queues a packet for the next page.</summary>
    public void Add(byte[] packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.Length / 255 + 1 > MaxSegments) throw new ArgumentException($"A packet of {packet.Length} bytes does not fit one Ogg page.", nameof(packet));
        packets.Add(packet);
    }

    /// <summary>Whether another packet of <paramref name="length"/> bytes still fits the page being filled.</summary>
    public bool Fits(int length) => SegmentsPending + length / 255 + 1 <= MaxSegments;

    /// <summary>Writes the queued packets as one page whose granule position is <paramref name="granule"/>.</summary>
    public byte[] Page(long granule, bool last = false)
    {
        var lacing = new List<byte>();
        foreach (var packet in packets)
        {
            for (int left = packet.Length; ; left -= 255)
            {
                if (left >= 255) lacing.Add(255);
                else { lacing.Add((byte)left); break; }
            }
        }
        int bodyLength = packets.Sum(p => p.Length);
        var page = new byte[27 + lacing.Count + bodyLength];
        "OggS"u8.CopyTo(page);
        page[4] = 0; // version
        page[5] = (byte)((begun ? 0 : BeginningOfStream) | (last ? EndOfStream : 0));
        BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), serial);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), sequence++);
        page[26] = (byte)lacing.Count;
        lacing.CopyTo(page, 27);
        int at = 27 + lacing.Count;
        foreach (var packet in packets)
        {
            packet.CopyTo(page, at);
            at += packet.Length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), Crc(page));
        packets.Clear();
        begun = true;
        return page;
    }

    /// <summary>Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no final xor (the CRC field counted as zero).</summary>
    public static uint Crc(ReadOnlySpan<byte> page)
    {
        uint crc = 0;
        for (int i = 0; i < page.Length; i++)
        {
            byte b = i is >= 22 and < 26 ? (byte)0 : page[i];
            crc = (crc << 8) ^ CrcTable[(byte)(crc >> 24) ^ b];
        }
        return crc;
    }

    static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint r = i << 24;
            for (int bit = 0; bit < 8; bit++) r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04C11DB7 : r << 1;
            table[i] = r;
        }
        return table;
    }
}
