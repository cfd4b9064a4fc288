import assert from "node:assert/strict";
import { test } from "node:test";
import jsQR from "jsqr";
import { qrCode } from "./qr-code.ts";

/** The modules as an RGBA image, `scale` pixels a module, for a real decoder to read. */
function rasterize(dark: boolean[][], scale = 4): { data: Uint8ClampedArray; width: number } {
  const width = dark.length * scale;
  const data = new Uint8ClampedArray(width * width * 4);
  for (let py = 0; py < width; py++) {
    for (let px = 0; px < width; px++) {
      const on = dark[Math.floor(py / scale)]![Math.floor(px / scale)];
      data.set(on ? [0, 0, 0, 255] : [255, 255, 255, 255], (py * width + px) * 4);
    }
  }
  return { data, width };
}

/** The modules the SVG path draws, read back from its "M x y h n v1 h-n z" runs. */
function modulesOfPath(path: string, size: number): boolean[][] {
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  for (const [, x, y, run] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let i = 0; i < Number(run); i++) grid[Number(y)]![Number(x) + i] = true;
  }
  return grid;
}

for (const url of [
  "http://myapp.localhost:8080",
  "https://a-rather-long-tunnel-name-for-testing.example.com",
])
  test(`a decoder reads ${url} back from the code, and the SVG path draws exactly its dark modules`, () => {
    const qr = qrCode(url);
    const image = rasterize(qr.dark);
    assert.equal(jsQR(image.data, image.width, image.width)?.data, url);
    assert.deepEqual(modulesOfPath(qr.path, qr.size), qr.dark);
    // The quiet zone: the outer four rings are light.
    assert.ok(qr.dark.slice(0, 4).every((row) => row.every((m) => !m)));
    assert.ok(qr.dark.every((row) => row.slice(0, 4).every((m) => !m)));
  });
