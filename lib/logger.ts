/** A small structured logger: one line per event, `key=value` fields. Never pass secrets in fields. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogFields = Record<string, string | number | boolean | null | undefined>;

function formatFields(fields: LogFields): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const text = String(v);
      return `${k}=${/[\s"=]/.test(text) || text === "" ? JSON.stringify(text) : text}`;
    })
    .join(" ");
}

/** Logs to stderr; `silent` (tests) drops info lines but keeps warnings and errors. */
export function createLogger(options: { silent?: boolean; base?: LogFields } = {}): Logger {
  const base = options.base ?? {};
  const write = (level: string, message: string, fields?: LogFields) => {
    if (options.silent && level === "info") return;
    const extra = formatFields({ ...base, ...fields });
    process.stderr.write(
      `${new Date().toISOString()} ${level.padEnd(5)} ${message}${extra ? ` ${extra}` : ""}\n`,
    );
  };
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}
