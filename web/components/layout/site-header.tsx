import Link from 'next/link';

export function SiteHeader() {
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link href="/" className="site-header__brand">
          Flightdeck
        </Link>
        <nav aria-label="Main" className="site-header__nav">
          <Link href="/">Runs</Link>
        </nav>
      </div>
    </header>
  );
}
