/** Formats Teams insists on, shared by the config checks and the package rules. */

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits. */
export const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;

/** A host name, optionally `*.`-prefixed, optionally with a port; no scheme, no path. */
export const DOMAIN =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/i;

/** Teams accepts MAJOR.MINOR.PATCH only: no pre-release or build suffix. */
export const APP_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
