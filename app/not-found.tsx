import { NotFoundNotice } from "@/components/ui/page-notice";

export default function NotFound() {
  return <NotFoundNotice standalone />;
}
