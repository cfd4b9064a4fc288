import { NotFoundNotice } from "@/components/ui/page-notice";

export default function DashboardNotFound() {
  return <NotFoundNotice standalone={false} />;
}
