import { PageLoading } from "@/components/ui/page-loading";

// One per segment, not one for all of (dashboard): see PageLoading.
export default PageLoading;
