import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { SiteHeader } from '@/components/layout/site-header';
import { requireSession } from '@/lib/session';
import { THEME_COOKIE, themeFromCookie } from '@/lib/theme';

export const dynamic = 'force-dynamic';

export default async function AppLayout({ children }: { children: ReactNode }) {
  const { principal } = await requireSession();
  const theme = themeFromCookie.parse((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <>
      <SiteHeader principal={principal} theme={theme} />
      <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
    </>
  );
}
