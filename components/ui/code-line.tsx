import { CopyButton } from "./copy-button";

/** A command or value on one line with a copy button; long lines scroll instead of wrapping. */
export function CodeLine({ text, copyLabel }: { text: string; copyLabel: string }) {
  return (
    <div className="flex items-center gap-2 rounded-md bg-zinc-900 dark:bg-zinc-950 dark:ring-1 dark:ring-zinc-800 py-1.5 pr-1.5 pl-3">
      <code
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a line that scrolls must take focus, or keyboard users cannot scroll it (WCAG 2.1.1)
        tabIndex={0}
        className="min-w-0 flex-1 overflow-x-auto rounded-sm font-mono text-sm whitespace-nowrap text-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-400"
      >
        {text}
      </code>
      <CopyButton text={text} label={copyLabel} />
    </div>
  );
}
