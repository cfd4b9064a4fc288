import type { ListedKey } from "../ssh-keys/service.ts";

// The JSON-safe shape of the keys list, shared by the page (first render) and /api/keys.

export interface KeyRow {
  id: string;
  label: string;
  algorithm: string;
  bits: number;
  fingerprint: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Names this key has connected right now. */
  connectedNames: string[];
}

export function toKeyRows(keys: readonly ListedKey[]): KeyRow[] {
  return keys.map((key) => ({
    id: key.id,
    label: key.label,
    algorithm: key.algorithm,
    bits: key.bits,
    fingerprint: key.fingerprint,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    connectedNames: key.connectedNames,
  }));
}
