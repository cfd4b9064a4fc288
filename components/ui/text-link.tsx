import Link from "next/link";
import type { ComponentProps } from "react";
import { cn } from "./cn";

/** A link inside running text: underlined, since colour alone does not tell it apart (WCAG 1.4.1). */
export function TextLink({ className, ...props }: ComponentProps<typeof Link>) {
  return (
    <Link
      {...props}
      className={cn(
        "text-indigo-700 dark:text-indigo-300 underline underline-offset-2 hover:text-indigo-900 dark:hover:text-indigo-100",
        className,
      )}
    />
  );
}
