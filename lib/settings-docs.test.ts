import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { settingSchemas } from "./env.ts";
import { projectRoot } from "./project-root.ts";

// A setting that reached README.md but not .env.example (BURROW_LOG_WAITING_AFTER_SECONDS) went
// unnoticed once: operators copy .env.example, and read README's table, to learn what they can set.

const settings = Object.keys(settingSchemas);

/**
 * Defaults worked out at start, which no document can show as one value. zod keeps a function
 * default only behind a getter that calls it, so they cannot be told apart from literal ones and are
 * named here. A new one fails the default checks below until it is added, with its reason.
 */
const COMPUTED_DEFAULTS: Record<string, string> = {
  BURROW_LISTEN_HOST: 'every address: "::", or "0.0.0.0" on a host without IPv6 (its interfaces)',
};

type Default =
  | { kind: "none" } // optional: unset, or made from other settings after parsing (BURROW_SSH_HOST)
  | { kind: "computed" }
  | { kind: "literal"; text: string; list: boolean };

/** The default as a document writes it: `.env` text, a list comma-separated. */
function defaultOf(name: string): Default {
  const schema = settingSchemas[name as keyof typeof settingSchemas];
  if (!(schema instanceof z.ZodDefault)) return { kind: "none" };
  if (name in COMPUTED_DEFAULTS) return { kind: "computed" };
  const value: unknown = schema.def.defaultValue;
  if (Array.isArray(value)) return { kind: "literal", text: value.join(","), list: true };
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return { kind: "literal", text: String(value), list: false };
  }
  throw new Error(`${name}: a default of an unexpected kind (${typeof value}); teach this test to write it`);
}

function readDoc(file: string): string {
  return readFileSync(join(projectRoot, file), "utf8");
}

/** Rows of README's table(s) headed `| variable | default | meaning |`: name and default cell. */
function readmeRows(): { name: string; cell: string }[] {
  const rows: { name: string; cell: string }[] = [];
  let inTable = false;
  for (const line of readDoc("README.md").split("\n")) {
    const cells = line.startsWith("|")
      ? line
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((cell) => cell.trim())
      : null;
    if (!cells) {
      inTable = false;
      continue;
    }
    if (cells[0] === "variable" && cells[1] === "default") {
      inTable = true;
      continue;
    }
    const [first = "", cell = ""] = cells;
    if (!inTable || /^-+$/.test(first)) continue;
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(first)?.[1];
    if (!name) throw new Error(`README settings table: a row that names no setting: ${line}`);
    rows.push({ name, cell });
  }
  return rows;
}

/** `NAME=value` lines of .env.example, and `# NAME=value` ones (set by removing the #). */
function envExampleLines(): { name: string; value: string; commented: boolean }[] {
  return readDoc(".env.example")
    .split("\n")
    .flatMap((line) => {
      const match = /^(?<hash>#\s*)?(?<name>[A-Z][A-Z0-9_]*)=(?<value>.*)$/.exec(line)?.groups;
      return match?.name === undefined
        ? []
        : [{ name: match.name, value: (match.value ?? "").trim(), commented: match.hash !== undefined }];
    });
}

/** What each list lacks, has twice, or has that the schema does not read, one line per setting. */
function listProblems(where: string, names: string[]): string[] {
  return [
    ...settings.filter((name) => !names.includes(name)).map((name) => `${name} is missing from ${where}`),
    ...names
      .filter((name) => !settings.includes(name))
      .map((name) => `${name} is in ${where}, but lib/env.ts does not read it`),
    ...names
      .filter((name, i) => names.indexOf(name) !== i)
      .map((name) => `${name} is in ${where} more than once`),
  ];
}

test("README's settings table lists exactly the settings lib/env.ts reads", () => {
  const rows = readmeRows();
  assert.ok(rows.length > 0, "README.md has no `| variable | default | meaning |` table");
  assert.deepEqual(
    listProblems(
      "README's settings table",
      rows.map((row) => row.name),
    ),
    [],
  );
});

test(".env.example names exactly the settings lib/env.ts reads (commented-out lines count)", () => {
  assert.deepEqual(
    listProblems(
      ".env.example",
      envExampleLines().map((line) => line.name),
    ),
    [],
  );
});

test("README's settings table shows each plain default as lib/env.ts has it", () => {
  const problems = readmeRows().flatMap(({ name, cell }): string[] => {
    if (!settings.includes(name)) return [];
    const wanted = defaultOf(name);
    // A list's default is told in words ("AES-GCM only"): the exact list is too long for the
    // column, and .env.example, checked below, spells it out.
    if (wanted.kind === "literal" && wanted.list && wanted.text !== "") return [];
    if (wanted.kind === "literal" && wanted.list) {
      return /^(none|unset)$/.test(cell) ? [] : [`${name}: README says ${cell}, lib/env.ts has none`];
    }
    if (wanted.kind === "literal") {
      return cell === `\`${wanted.text}\``
        ? []
        : [`${name}: README says ${cell}, lib/env.ts \`${wanted.text}\``];
    }
    // No plain default: words ("unset", "generated", "Let's Encrypt") or what it is made from
    // (`BURROW_DOMAIN`). A bare value in code would claim one lib/env.ts does not have.
    const code = /^`([^`]*)`$/.exec(cell)?.[1];
    const namesASetting = code !== undefined && settings.some((other) => code.includes(other));
    return code === undefined || namesASetting
      ? []
      : [`${name}: README says ${cell}, but lib/env.ts has no plain default for it`];
  });
  assert.deepEqual(problems, []);
});

test(".env.example's values are lib/env.ts's defaults, blank where there is no plain one", () => {
  const problems = envExampleLines().flatMap(({ name, value, commented }): string[] => {
    if (!settings.includes(name)) return [];
    const wanted = defaultOf(name);
    if (wanted.kind === "literal") {
      return value === wanted.text
        ? []
        : [`${name}: .env.example says "${value}", lib/env.ts "${wanted.text}"`];
    }
    // A commented-out line sets nothing, so it may show an example value (# BURROW_HTTPS_PORT=443).
    // A live one is copied into .env and applied: it must leave the setting at its default
    // (blank is unset, lib/env.ts loadEnv), not pin, say, this host's address for BURROW_LISTEN_HOST.
    return commented || value === ""
      ? []
      : [
          `${name}: .env.example sets "${value}", but lib/env.ts has no plain default for it (leave it blank)`,
        ];
  });
  assert.deepEqual(problems, []);
});

test("README's prose gives the same numbers as lib/env.ts's defaults (`BURROW_MAX_NAMES` (10))", () => {
  // The limits table and the sections on logs and access cookies repeat some defaults in brackets:
  // `NAME` (40), `NAME` (default 50,000), `NAME` hours (default 24).
  const mentions = readDoc("README.md").matchAll(
    /`([A-Z][A-Z0-9_]*)`(?: \w+)? \((?:default )?(\d[\d,]*)[;)]/g,
  );
  const problems = [...mentions].flatMap(([, name = "", shown = ""]): string[] => {
    const wanted = settings.includes(name) ? defaultOf(name) : null;
    if (wanted?.kind !== "literal") return [];
    return shown.replaceAll(",", "") === wanted.text
      ? []
      : [`${name}: README's prose says (${shown}), lib/env.ts ${wanted.text}`];
  });
  assert.deepEqual(problems, []);
});
