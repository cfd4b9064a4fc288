"use client";

import { cn } from "./cn";

export interface RadioCardOption<V extends string> {
  value: V;
  label: string;
  description: string;
}

/**
 * A set of radio buttons drawn as cards (label and description), the chosen one highlighted.
 *
 * The radios are uncontrolled on purpose, with a default that follows `value`: React 19 resets a
 * form after its action, and a *controlled* radio is reset to its first-rendered default while the
 * state keeps the choice (facebook/react#31695). On the access page, after a refused save "Public"
 * was checked under a highlighted "Password", and the next save made the tunnel public. A default
 * that follows the choice is what the reset restores.
 */
export function RadioCards<V extends string>({
  name,
  legend,
  options,
  value,
  onChange,
}: {
  /** The form field name; also prefixes the ids of labels and descriptions. */
  name: string;
  legend: string;
  options: readonly RadioCardOption<V>[];
  value: V;
  onChange: (value: V) => void;
}) {
  return (
    // min-w-0: a fieldset is as wide as its widest word by default, and an option naming a long
    // host (no place to break) made it, and the page, wider than a phone's screen.
    <fieldset className="min-w-0 space-y-2">
      <legend className="mb-2 text-sm font-medium text-zinc-800 dark:text-zinc-200">{legend}</legend>
      {options.map((option) => (
        <label
          key={option.value}
          className={cn(
            "flex cursor-pointer gap-3 rounded-md p-3 ring-1 ring-inset",
            value === option.value
              ? "bg-indigo-50 dark:bg-indigo-950/40 ring-indigo-300 dark:ring-indigo-700"
              : "ring-zinc-200 dark:ring-zinc-800 hover:bg-zinc-50 dark:hover:bg-zinc-800/50",
          )}
        >
          <input
            type="radio"
            name={name}
            value={option.value}
            defaultChecked={value === option.value}
            onChange={() => onChange(option.value)}
            className="mt-1 accent-indigo-600"
            aria-labelledby={`${name}-${option.value}-label`}
            aria-describedby={`${name}-${option.value}-description`}
          />
          <span className="min-w-0">
            <span
              id={`${name}-${option.value}-label`}
              className="block text-sm font-medium wrap-anywhere text-zinc-900 dark:text-zinc-100"
            >
              {option.label}
            </span>
            <span
              id={`${name}-${option.value}-description`}
              className="block text-sm text-zinc-600 dark:text-zinc-400"
            >
              {option.description}
            </span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
