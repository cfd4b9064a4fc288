import { z } from "zod";

/** Printed in the owner's ssh terminal as one line: "myapp: closed by an administrator (<reason>)." */
export const DISCONNECT_REASON_MAX = 200;

/**
 * Why an administrator closed a tunnel, as the CLI's --reason and the dashboard's Disconnect dialog
 * take it; `subject` names the input in the messages ("--reason", "The reason"). Plain ASCII only:
 * OpenSSH prints any other character of a disconnect message as "?" (server/ssh/ascii-text.ts).
 */
export function disconnectReasonSchema(subject: string) {
  return z
    .string()
    .trim()
    .refine(
      (reason) => reason.length <= DISCONNECT_REASON_MAX && !/\p{Cc}/u.test(reason),
      `${subject} takes one line of text, at most ${DISCONNECT_REASON_MAX} characters`,
    )
    .refine(
      (reason) => /^[\x20-\x7e]*$/.test(reason),
      `${subject} must be plain ASCII: ssh clients show other characters as ?`,
    );
}
