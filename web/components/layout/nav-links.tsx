'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { DropdownMenu } from 'radix-ui';

export interface NavLink {
  href: string;
  label: string;
}

const isCurrentFor = (pathname: string) => (href: string) =>
  href === '/' ? pathname === '/' || (pathname.startsWith('/runs/') && pathname !== '/runs/new') : pathname.startsWith(href);

const linkTone =
  'whitespace-nowrap rounded-md px-2.5 py-1.5 text-zinc-700 hover:bg-zinc-100 aria-[current=page]:bg-zinc-100 aria-[current=page]:font-semibold aria-[current=page]:text-zinc-950 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-white';

/**
 * The main navigation: a row of links from the `sm` width up, and on a phone one menu button
 * (a Radix dropdown, keyboard and screen-reader ready) that names the current page, so the header
 * never scrolls sideways.
 */
export function NavLinks({ links }: { links: NavLink[] }) {
  const isCurrent = isCurrentFor(usePathname());
  const current = links.find((link) => isCurrent(link.href));
  return (
    <>
      <nav aria-label="Main" className="hidden flex-wrap gap-1 text-sm sm:flex">
        {links.map((link) => (
          <Link key={link.href} href={link.href} aria-current={isCurrent(link.href) ? 'page' : undefined} className={linkTone}>
            {link.label}
          </Link>
        ))}
      </nav>
      <div className="sm:hidden">
        <DropdownMenu.Root>
          <DropdownMenu.Trigger className="btn" aria-label={`Menu${current ? `, now on ${current.label}` : ''}`}>
            <span aria-hidden>☰</span>
            {current?.label ?? 'Menu'}
          </DropdownMenu.Trigger>
          <DropdownMenu.Portal>
            <DropdownMenu.Content align="start" sideOffset={6} className="card z-50 min-w-48 p-1 text-sm shadow-lg" aria-label="Main">
              {links.map((link) => (
                <DropdownMenu.Item key={link.href} asChild>
                  <Link
                    href={link.href}
                    aria-current={isCurrent(link.href) ? 'page' : undefined}
                    className={`block outline-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-800 ${linkTone}`}
                  >
                    {link.label}
                  </Link>
                </DropdownMenu.Item>
              ))}
            </DropdownMenu.Content>
          </DropdownMenu.Portal>
        </DropdownMenu.Root>
      </div>
    </>
  );
}
