import type { ButtonHTMLAttributes, Ref } from "react";
import { cn } from "./cn";
import { Spinner } from "./spinner";

type Variant = "primary" | "secondary" | "danger" | "ghost";

// Each look is given for `disabled` and for `aria-disabled` (a pending button, see Button).
const variants: Record<Variant, string> = {
  primary:
    "bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-400 dark:disabled:bg-indigo-900 dark:disabled:text-indigo-300 aria-disabled:bg-indigo-400 dark:aria-disabled:bg-indigo-900 dark:aria-disabled:text-indigo-300",
  secondary:
    "bg-white dark:bg-zinc-900 text-zinc-800 dark:text-zinc-200 ring-1 ring-inset ring-zinc-300 dark:ring-zinc-700 hover:bg-zinc-50 dark:hover:bg-zinc-800/50 disabled:text-zinc-400 dark:disabled:text-zinc-600 aria-disabled:text-zinc-400 dark:aria-disabled:text-zinc-600",
  danger:
    "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-400 dark:disabled:bg-red-900 dark:disabled:text-red-300 aria-disabled:bg-red-400 dark:aria-disabled:bg-red-900 dark:aria-disabled:text-red-300",
  ghost:
    "text-zinc-700 dark:text-zinc-300 hover:bg-zinc-100 dark:hover:bg-zinc-800 disabled:text-zinc-400 dark:disabled:text-zinc-600 aria-disabled:text-zinc-400 dark:aria-disabled:text-zinc-600",
};

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: "sm" | "md";
  /** Shows a spinner and ignores presses while an action runs; the label stays for width. */
  pending?: boolean;
  ref?: Ref<HTMLButtonElement>;
}

export function buttonClass(variant: Variant = "primary", size: "sm" | "md" = "md"): string {
  return cn(
    "inline-flex items-center justify-center gap-2 rounded-md font-medium shadow-xs transition-colors",
    "disabled:cursor-not-allowed aria-disabled:cursor-not-allowed",
    size === "sm" ? "px-2.5 py-1.5 text-sm" : "px-3.5 py-2 text-sm",
    variants[variant],
  );
}

export function Button({
  variant = "primary",
  size = "md",
  pending = false,
  className,
  children,
  disabled,
  type = "button",
  onClick,
  ...props
}: ButtonProps) {
  return (
    <button
      type={type}
      className={cn(buttonClass(variant, size), className)}
      // A pending button is aria-disabled, not disabled: a disabled button drops the keyboard focus
      // it had (to <body>), so whoever pressed Enter on it lost their place on the page, and a
      // screen reader started over from the top. It stays focused and refuses presses instead:
      // a click, and the implicit submission of Enter in a field (a click on the form's default
      // button), are cancelled, so nothing is sent twice.
      disabled={disabled}
      aria-disabled={pending || undefined}
      aria-busy={pending || undefined}
      onClick={(event) => {
        if (pending) {
          event.preventDefault();
          return;
        }
        onClick?.(event);
      }}
      {...props}
    >
      {pending && <Spinner />}
      {children}
    </button>
  );
}
