import { Spinner } from "@/components/ui/spinner";

export default function Loading() {
  return (
    <div role="status" className="flex items-center gap-2 py-16 text-sm text-zinc-500 dark:text-zinc-400">
      <Spinner /> Loading…
    </div>
  );
}
