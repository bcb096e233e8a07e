import { z } from 'zod';

/** The colour theme a person picked; `system` follows the device's light/dark setting. */
export const themes = ['system', 'light', 'dark'] as const;
export type Theme = (typeof themes)[number];

/** A preference, not a secret: readable by the page's script, so switching needs no request. */
export const THEME_COOKIE = 'flightdeck_theme';
export const THEME_MAX_AGE_S = 365 * 24 * 3600;

/** The cookie's value as sent; anything else (unset, edited by hand) is `system`. */
export const themeFromCookie = z.enum(themes).catch('system');
