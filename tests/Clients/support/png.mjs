// PNG chunks, read by hand: the image without its text chunks (they name the job), and the text itself.

function* chunks(png) {
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    yield { type: png.toString("latin1", at + 4, at + 8), start: at, end: at + 12 + length, data: png.subarray(at + 8, at + 8 + length) };
    at += 12 + length;
  }
}

/** The PNG with every tEXt and iTXt chunk left out: the pixels and their format, byte for byte. */
export function withoutText(png) {
  const kept = [png.subarray(0, 8)];
  for (const c of chunks(png)) if (c.type !== "tEXt" && c.type !== "iTXt") kept.push(png.subarray(c.start, c.end));
  return Buffer.concat(kept);
}

/** The tEXt chunks as { keyword: text }. */
export function text(png) {
  const out = {};
  for (const c of chunks(png)) {
    if (c.type !== "tEXt") continue;
    const zero = c.data.indexOf(0);
    out[c.data.toString("latin1", 0, zero)] = c.data.toString("latin1", zero + 1);
  }
  return out;
}
