/**
 * @module protocol/error-limits
 * The bounds of a serialised error (protocol/errors.ts), free of zod so that the widget's loader, which checks the
 * frame's error events by hand (protocol/widget-check.ts), shares them.
 */

/** Causes kept below an error; deeper ones are cut when serialised and refused when parsed. */
export const MAX_CAUSE_DEPTH = 4;
export const MAX_ERROR_MESSAGE = 2000;
export const MAX_ERROR_DETAILS = 16;
export const MAX_ERROR_ISSUES = 50;
/** The longest text detail, and the longest issue message. */
export const MAX_DETAIL_TEXT = 500;
export const MAX_ISSUE_PATH = 200;

/** An error's name and a detail's key: an identifier of at most 64 characters. */
export const ERROR_IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;
