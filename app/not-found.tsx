import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-md px-4 py-24 text-center">
      <p className="text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-zinc-900">Not found</h1>
      <p className="mt-2 text-sm text-zinc-600">There is nothing here, or it is not yours to see.</p>
      <Link href="/" className={`${buttonClass("primary")} mt-6`}>
        Back to overview
      </Link>
    </main>
  );
}
