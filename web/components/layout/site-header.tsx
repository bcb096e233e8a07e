import Link from 'next/link';
import { ThemeMenu } from '@/components/theme/theme-menu';
import type { Principal } from '@/lib/api';
import type { Theme } from '@/lib/theme';
import { hasRole } from '../../../lib/roles';
import { NavLinks } from './nav-links';

export function SiteHeader({ principal, theme }: { principal: Principal; theme: Theme }) {
  const links = [
    { href: '/', label: 'Runs' },
    { href: '/approvals', label: 'Approvals' },
    ...(hasRole(principal.role, 'operator') ? [{ href: '/runs/new', label: 'Start a run' }] : []),
    { href: '/definitions', label: 'Definitions' },
    { href: '/tools', label: 'Tools' },
    { href: '/connections', label: 'Connections' },
    { href: '/usage', label: 'Usage' },
    ...(hasRole(principal.role, 'admin') ? [{ href: '/keys', label: 'API keys' }] : []),
  ];
  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3 sm:gap-x-6">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden className="grid size-6 place-items-center rounded bg-blue-700 text-xs text-white">
            F
          </span>
          {/* On a phone the mark alone, so menu, theme and sign-out fit on one line. */}
          <span className="sr-only sm:not-sr-only">Flightdeck</span>
        </Link>
        <NavLinks links={links} />
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span className="muted hidden sm:inline" data-testid="signed-in-as">
            {principal.actor.name ?? principal.actor.id} · <span className="font-medium">{principal.role}</span> · {principal.tenantId}
          </span>
          <ThemeMenu initial={theme} />
          <form action="/api/session?action=sign-out" method="post">
            <button type="submit" className="btn">
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}
