import type { QrCode } from "@/lib/web/qr-code";
import { CopyButton } from "../ui/copy-button";
import { QrCodePopover } from "../ui/qr-code-popover";

/**
 * Next to a tunnel's public URL: copy it to send to someone, or show it as a QR code to open it
 * on a phone.
 */
export function PublicUrlTools({ url, qr, caption }: { url: string; qr: QrCode; caption: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2 align-middle">
      <CopyButton text={url} label="Copy public URL" />
      <QrCodePopover url={url} qr={qr} caption={caption} />
    </span>
  );
}
