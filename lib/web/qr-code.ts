import { encode } from "uqr";

// Pure: the tunnel page draws its public URL as a QR code, for opening it on a phone.

export interface QrCode {
  /** Modules per side, quiet zone included. */
  size: number;
  /** Rows of modules, true for dark, quiet zone included. */
  dark: boolean[][];
  /** One SVG path of the dark modules (each row's runs as rectangles), in module units. */
  path: string;
}

/** Four light modules around the code: the quiet zone scanners need (ISO/IEC 18004). */
const QUIET_ZONE = 4;

/** The QR code of a text (error correction M: still reads from a screen photographed at an angle). */
export function qrCode(text: string): QrCode {
  const { data, size } = encode(text, { ecc: "M", border: QUIET_ZONE });
  let path = "";
  data.forEach((row, y) => {
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      let run = 1;
      while (x + run < size && row[x + run]) run += 1;
      path += `M${x} ${y}h${run}v1h-${run}z`;
      x += run - 1;
    }
  });
  return { size, dark: data, path };
}
