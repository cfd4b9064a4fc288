import type { Metadata } from "next";
import { NotFoundNotice } from "@/components/ui/page-notice";

export const metadata: Metadata = { title: "Not found" };

export default function DashboardNotFound() {
  return <NotFoundNotice standalone={false} />;
}
