// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the API key checksum.

const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}

function step(crc: number, byte: number): number {
  return (TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
}

/** CRC-32 of the bytes, as an unsigned 32-bit integer. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = step(crc, data[i] ?? 0);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * CRC-32 of text[0, end) read as one byte per code unit, which equals its UTF-8 only when that
 * range is ASCII: the caller must have checked that. It exists so the per-request key check
 * does not have to encode the key into a fresh buffer.
 */
export function crc32OfAscii(text: string, end: number = text.length): number {
  let crc = 0xffffffff;
  for (let i = 0; i < end; i++) crc = step(crc, text.charCodeAt(i));
  return (crc ^ 0xffffffff) >>> 0;
}
