import type { Metadata } from "next";
import { NotFoundNotice } from "@/components/ui/page-notice";

export const metadata: Metadata = { title: "Not found" };

/**
 * Shown when a dashboard layout or page calls notFound(). Outside a loading boundary the answer is
 * a 404 titled "Not found · Burrow", but this text is drawn by the browser, not sent as HTML (curl
 * gets an empty <body>; the text is only in its script data): React's server rendering runs no
 * error boundaries, so Next.js 16 sends its empty error document and the client renders this
 * (vercel/next.js#62228, open; fix proposed in vercel/next.js#98583). An address that matches no
 * route goes through app/not-found.tsx, which is in the HTML.
 */
export default function DashboardNotFound() {
  return <NotFoundNotice standalone={false} />;
}
