import type { ReactNode } from 'react';
import { SiteHeader } from '@/components/layout/site-header';
import { requireSession } from '@/lib/session';

export const dynamic = 'force-dynamic';

export default async function AppLayout({ children }: { children: ReactNode }) {
  const { principal } = await requireSession();
  return (
    <>
      <SiteHeader principal={principal} />
      <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
    </>
  );
}
