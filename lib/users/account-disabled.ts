/**
 * What a disabled account hears: at sign-in once its password checked out (verifyCredentials), and
 * in a browser that was signed in when an admin disabled it. Its own module: the dashboard's client
 * code says it too, and must not pull in the user services.
 */
export const ACCOUNT_DISABLED = "This account is disabled. Ask whoever runs this Burrow.";

/** The API's error code for a request from a browser whose account was disabled (a 401). */
export const ACCOUNT_DISABLED_CODE = "account_disabled";
