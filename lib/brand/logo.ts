/**
 * Burrow's mark, two arches (a burrow's mouth), as SVG path data on a 24×24 view box, stroked: the
 * dashboard's Logo and the relay's own pages draw it from here (app/icon.svg is a static copy).
 */
export const LOGO_PATHS = ["M3 18a9 9 0 0 1 18 0", "M8 18a4 4 0 0 1 8 0"] as const;
