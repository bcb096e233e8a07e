import Link from 'next/link';

export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { needs } = await searchParams;
  return (
    <main className="mx-auto max-w-md px-4 py-16">
      <section className="card p-6" role="alert">
        <h1 className="text-xl font-semibold">Not for your role</h1>
        <p className="muted mt-2 text-sm">This page needs the {typeof needs === 'string' ? needs : 'right'} role. Sign in with such a key, or ask an admin.</p>
        <Link href="/" className="link mt-4 inline-block text-sm">
          Back to runs
        </Link>
      </section>
    </main>
  );
}
