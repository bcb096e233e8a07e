'use client';

import { DropdownMenu } from 'radix-ui';
import { useState } from 'react';
import { THEME_COOKIE, THEME_MAX_AGE_S, themes, type Theme } from '@/lib/theme';

const LABEL: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };
const ICON: Record<Theme, string> = { system: '◐', light: '☀', dark: '☾' };

/**
 * Light, dark or the device's setting. The choice goes on <html data-theme> at once and into a
 * cookie, so the server renders the next page in it (no flash of the other theme).
 */
export function ThemeMenu({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState(initial);
  const choose = (value: string) => {
    const next = themes.find((candidate) => candidate === value) ?? 'system';
    setTheme(next);
    document.documentElement.dataset.theme = next;
    const secure = window.location.protocol === 'https:' ? '; secure' : '';
    document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=${THEME_MAX_AGE_S}; samesite=lax${secure}`;
  };
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger className="btn" aria-label={`Theme: ${LABEL[theme]}`} data-theme-choice={theme}>
        <span aria-hidden>{ICON[theme]}</span>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" sideOffset={6} className="card z-50 min-w-36 p-1 text-sm shadow-lg">
          <DropdownMenu.Label className="muted px-2.5 py-1 text-xs">Theme</DropdownMenu.Label>
          <DropdownMenu.RadioGroup value={theme} onValueChange={choose}>
            {themes.map((value) => (
              <DropdownMenu.RadioItem
                key={value}
                value={value}
                className="flex cursor-default items-center gap-2 rounded-md px-2.5 py-1.5 outline-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-800"
              >
                <span aria-hidden className="w-4">
                  {ICON[value]}
                </span>
                {LABEL[value]}
                <DropdownMenu.ItemIndicator className="ml-auto" aria-hidden>
                  ✓
                </DropdownMenu.ItemIndicator>
              </DropdownMenu.RadioItem>
            ))}
          </DropdownMenu.RadioGroup>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
