// Draws the app icons (a white ledger on green) as PNG files, so the repo
// needs no image editor. Run once; the PNGs are committed: node scripts/make-icons.mjs
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

function icon(size, scale) {
  const green = [11, 110, 79, 255], white = [255, 255, 255, 255], light = [180, 222, 205, 255];
  const px = (x, y) => {
    const u = x / size, v = y / size;
    const c = 0.5, h = 0.34 * scale, w = 0.28 * scale;
    const inBook = Math.abs(u - c) < w && Math.abs(v - c) < h;
    if (!inBook) return green;
    if (Math.abs(u - c) < 0.012 * scale + 0.5 / size) return green; // spine
    for (const line of [-0.16, -0.06, 0.04, 0.14]) {
      const row = c + line * scale;
      if (Math.abs(v - row) < 0.018 * scale && Math.abs(u - c) > 0.05 * scale && Math.abs(u - c) < w - 0.05 * scale) return light;
    }
    return white;
  };
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const p = px(x + 0.5, y + 0.5);
      raw.set(p, y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

writeFileSync("public/icons/icon-192.png", icon(192, 1));
writeFileSync("public/icons/icon-512.png", icon(512, 1));
// Maskable: the drawing stays inside the 80 % safe zone.
writeFileSync("public/icons/maskable-512.png", icon(512, 0.72));
