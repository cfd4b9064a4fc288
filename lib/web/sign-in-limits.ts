import "server-only";
import { SignInThrottle } from "./sign-in-throttle.ts";

// Per process, kept on globalThis so `next dev` reloads do not reset it.
const globalForThrottle = globalThis as typeof globalThis & { burrowSignInThrottle?: SignInThrottle };

globalForThrottle.burrowSignInThrottle ??= new SignInThrottle({
  perClient: 5,
  perEmail: 20,
  windowMs: 15 * 60_000,
});

/** 5 wrong passwords per email and IP, 20 per email overall, per 15 minutes. */
export const signInThrottle: SignInThrottle = globalForThrottle.burrowSignInThrottle;
