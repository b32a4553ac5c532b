// The web app's icon (docs: README "The web app"), drawn from one description as an SVG and as PNGs of any size, so
// the two always match and nothing is fetched or committed as a binary: a rounded square in the page's accent colour
// with a white terminal prompt (">_"). The PNGs are rasterised here (4×4 samples a pixel) and encoded with
// node:zlib; scripts/build-web.ts writes them next to the page's script, where the relay serves them
// (src/relay/pages/app-files.ts).
import { crc32, deflateSync } from 'node:zlib';

const SIZE = 512;
const RADIUS = 112;
const BG = [0x2a, 0x6e, 0xd8] as const; // --accent of the light theme (src/relay/pages/html.ts)
const STROKE = 48;
// The prompt's strokes, in a 512×512 square: the chevron's two halves and the underscore.
const SEGMENTS: readonly (readonly [number, number, number, number])[] = [[156, 168, 268, 256], [268, 256, 156, 344], [292, 344, 372, 344]];

export function iconSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}"><rect width="${SIZE}" height="${SIZE}" rx="${RADIUS}" fill="#${BG.map((c) => c.toString(16).padStart(2, '0')).join('')}"/>` +
    `<path d="M156 168L268 256L156 344M292 344H372" fill="none" stroke="#fff" stroke-width="${STROKE}" stroke-linecap="round" stroke-linejoin="round"/></svg>\n`;
}

function inSquare(x: number, y: number): boolean {
  const qx = Math.max(RADIUS - x, 0, x - (SIZE - RADIUS));
  const qy = Math.max(RADIUS - y, 0, y - (SIZE - RADIUS));
  return x >= 0 && y >= 0 && x <= SIZE && y <= SIZE && qx * qx + qy * qy <= RADIUS * RADIUS;
}

function onStroke(x: number, y: number): boolean {
  return SEGMENTS.some(([ax, ay, bx, by]) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    const ex = ax + t * dx - x;
    const ey = ay + t * dy - y;
    return ex * ex + ey * ey <= (STROKE / 2) ** 2;
  });
}

/** The icon as a PNG of `size`×`size` pixels (RGBA, transparent outside the rounded square). */
export function iconPng(size: number): Buffer {
  const N = 4;
  const scale = SIZE / size;
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0: none
    for (let px = 0; px < size; px++) {
      let inside = 0;
      let white = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const x = (px + (sx + 0.5) / N) * scale;
          const y = (py + (sy + 0.5) / N) * scale;
          if (!inSquare(x, y)) continue;
          inside++;
          if (onStroke(x, y)) white++;
        }
      }
      const o = 1 + px * 4;
      const w = inside === 0 ? 0 : white / inside;
      for (let c = 0; c < 3; c++) row[o + c] = Math.round((BG[c] as number) * (1 - w) + 255 * w);
      row[o + 3] = Math.round((inside / (N * N)) * 255);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}
