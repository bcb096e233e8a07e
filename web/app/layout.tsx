import type { Metadata, Viewport } from 'next';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { THEME_COOKIE, themeFromCookie } from '@/lib/theme';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Flightdeck', template: '%s · Flightdeck' },
  description: 'Durable agent runs on Temporal: plans, agent loops, approvals and their event log.',
};

export const viewport: Viewport = { colorScheme: 'light dark', width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered with the person's theme, so the first paint is already in it.
  const theme = themeFromCookie.parse((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <html lang="en" data-theme={theme}>
      <body className="min-h-screen bg-zinc-50 font-sans text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">{children}</body>
    </html>
  );
}
