import type { QrCode } from "@/lib/web/qr-code";
import { buttonClass } from "./button";
import { PopoverDetails } from "./popover-details";

/**
 * A "QR code" button that shows `url` as a QR code, to open it on a phone. A native disclosure: it
 * opens with the keyboard, and needs no script to work (with one, Escape or a click elsewhere
 * closes it).
 */
export function QrCodePopover({ url, qr, caption }: { url: string; qr: QrCode; caption: string }) {
  return (
    // On a phone the code opens centred on the screen, under its button: hung from the button's
    // left edge, it ran past the screen's right edge when the button was not at the left of its
    // line (on a 320 px screen always), and the whole page scrolled sideways. The disclosure is
    // not positioned there, so the page is what the panel is placed in.
    <PopoverDetails
      summary="QR code"
      summaryClassName={`${buttonClass("secondary", "sm")} cursor-pointer list-none`}
      className="relative max-sm:static"
    >
      <div className="absolute left-0 z-10 mt-2 w-56 max-w-[calc(100vw-2rem)] rounded-lg bg-white dark:bg-zinc-900 p-3 shadow-lg ring-1 ring-zinc-200 dark:ring-zinc-800 max-sm:left-1/2 max-sm:-translate-x-1/2">
        <svg
          viewBox={`0 0 ${qr.size} ${qr.size}`}
          role="img"
          aria-label={`QR code of ${url}`}
          className="h-auto w-full"
          shapeRendering="crispEdges"
        >
          <rect width={qr.size} height={qr.size} fill="#fff" />
          <path d={qr.path} fill="#000" />
        </svg>
        <p className="mt-2 text-center text-xs text-zinc-500 dark:text-zinc-400">{caption}</p>
      </div>
    </PopoverDetails>
  );
}
